"""Clusters: the Day-0 spec, its validation, status, nodes and the admin kubeconfig (encrypted)."""
