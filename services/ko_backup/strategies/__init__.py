"""Backup strategies: one per cluster (cron, retention, account), each tick run once across replicas."""
