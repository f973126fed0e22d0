"""Monitoring: the Prometheus and Grafana of a cluster's monitoring add-on, reached through the cluster's
API server (its service proxy, with the admin credentials the observability service already holds), and
the console's CPU, memory and pod figures from Prometheus range queries. No port of the cluster is exposed
to users: the gateway forwards ``/api/v1/clusters/{id}/monitoring/...`` here."""
