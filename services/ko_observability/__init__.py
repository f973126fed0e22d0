"""KubeOperator observability service: Cluster health, Kubernetes events, alert rules and notifications."""
