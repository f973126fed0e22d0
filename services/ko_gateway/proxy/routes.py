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


def owner_of(resource: str) -> str | None:
    return RESOURCE_OWNERS.get(resource)
