"""What the observability service's cluster workers share: the source of admin kubeconfigs, a cache of
them, and the name a replica claims leases under (health poller and Kubernetes-event watcher alike).

The cache keeps a kubeconfig in memory only (never on disk, in logs or in events) for ``ttl`` seconds,
because each fetch is an audited grant in the deployment service; a worker forgets a cluster's entry
after any failure, so a moved API server or a renewed certificate is picked up by the next attempt.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Protocol

from ko_common.cluster_access import ClusterAccess


class AccessSource(Protocol):
    async def kubeconfig(self, cluster_id: str) -> ClusterAccess: ...


def replica_name() -> str:
    """A name unique to this process, for the leases it holds (host, pid, and a random part for restarts)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class KubeconfigCache:
    def __init__(self, access: AccessSource, ttl_seconds: float) -> None:
        self.access = access
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[float, str]] = {}

    async def get(self, cluster_id: str) -> str:
        cached = self._entries.get(cluster_id)
        if cached is not None and time.monotonic() - cached[0] < self.ttl_seconds:
            return cached[1]
        access = await self.access.kubeconfig(cluster_id)
        self._entries[cluster_id] = (time.monotonic(), access.kubeconfig)
        return access.kubeconfig

    def forget(self, cluster_id: str) -> None:
        self._entries.pop(cluster_id, None)
