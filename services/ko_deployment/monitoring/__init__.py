"""The monitoring stack add-on of a cluster (a Day-2 operation)."""
