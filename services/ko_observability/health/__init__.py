"""Cluster health: every running cluster's API server, nodes, control-plane pods and etcd checked at an
interval, the verdict (healthy, degraded with reasons, unreachable since) stored, and each change an event.

The clusters come from the deployment service's ``ko.deployment.cluster.*`` events (``consumer.py``);
their admin kubeconfigs from its internal endpoint (``ko_common.cluster_access``). The poller
(``poller.py``) shares the clusters among the service's replicas by leases on their rows.
"""
