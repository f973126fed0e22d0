"""KubeOperator inventory service: credentials, hosts and their facts, regions, zones, plans and IP pools."""
