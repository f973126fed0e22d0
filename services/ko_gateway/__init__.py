"""KubeOperator gateway: the only public entry. Auth, users, projects, RBAC, audit,
routing to the services, the merged OpenAPI, live updates and the console."""
