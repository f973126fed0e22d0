"""KubeOperator deployment service: Clusters, operations and the Ansible job runner; the offline package repository."""
