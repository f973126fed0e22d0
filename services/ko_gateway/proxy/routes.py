"""Which service owns which ``/api/v1/<resource>``.

The contract with the services: each serves its resources under the same
``/api/v1/<resource>`` paths, so the gateway forwards the path unchanged.
"""

from __future__ import annotations

RESOURCE_OWNERS: dict[str, str] = {
    # inventory
    "credentials": "inventory",
    "hosts": "inventory",
    "regions": "inventory",
    "zones": "inventory",
    "plans": "inventory",
    "ip-pools": "inventory",
    # provisioning
    "workspaces": "provisioning",
    # deployment
    "clusters": "deployment",
    "operations": "deployment",
    "offline-packages": "deployment",
    "versions": "deployment",
    # observability
    "alerts": "observability",
    "alert-routes": "observability",
    "alert-rules": "observability",
    "silences": "observability",
    "notification-channels": "observability",
    "messages": "observability",
    "cluster-events": "observability",
    "cluster-health": "observability",
    # backup
    "backup-accounts": "backup",
    "backup-strategies": "backup",
    "backups": "backup",
    "restores": "backup",
}


# Per-cluster resources another service owns: /api/v1/clusters/{id}/<sub>[/...] goes there, not to deployment.
CLUSTER_SUBRESOURCE_OWNERS: dict[str, str] = {
    "backups": "backup",
    "backup-strategy": "backup",
    "restores": "backup",
    "health": "observability",
    # Prometheus and Grafana of the cluster's monitoring add-on, through its API server (ko_observability.monitoring)
    "monitoring": "observability",
}


def owner_of(resource: str, rest: str = "") -> str | None:
    """The service of ``/api/v1/<resource>/<rest>``: the resource's owner, or a cluster sub-resource's."""
    if resource == "clusters":
        parts = rest.split("/")
        if len(parts) >= 2 and parts[1] in CLUSTER_SUBRESOURCE_OWNERS:
            return CLUSTER_SUBRESOURCE_OWNERS[parts[1]]
    return RESOURCE_OWNERS.get(resource)
