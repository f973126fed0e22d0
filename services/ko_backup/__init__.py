"""KubeOperator backup service: Backup accounts, strategies and etcd snapshots."""
