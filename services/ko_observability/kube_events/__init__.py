"""Kubernetes events: every running cluster's Events watched (list, then watch from the list's
resourceVersion with bookmarks), stored with a retention per cluster, searchable, and Warning events
published for later alert rules.

The clusters are the ones the health domain learnt from the deployment's events (``cluster_health``);
the admin kubeconfigs come through ``ko_observability.access``. One replica at a time watches a
cluster, by a lease on its row of ``kube_event_watches`` (``watcher.py``).
"""
