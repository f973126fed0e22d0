"""Node health (issue 14 B.6): every running cluster's nodes read from its API server at an interval;
a node not Ready for longer than `not_ready_seconds` is marked `not-ready` in the cluster's nodes
(and `ready` again when it is), and each node's kubelet version is kept (an upgrade shows node by
node), each change a `ko.deployment.cluster.updated` event.

Only nodes the product considers settled (`ready`, `not-ready`) are touched: one that is joining,
being removed or rebuilt belongs to its operation. Nodes are matched by their InternalIP. A cluster
whose API server does not answer is left as it is (its reachability is the observability service's
business) and never delays the others: each read has a timeout and at most `concurrency` run at once.
Every replica checks every cluster; the writes are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from ko_common.crypto import box_for
from ko_common.db import Database, utcnow
from ko_common.events import emit
from ko_common.kubeclient import KubeconfigInvalid, kube_client
from ko_common.logging import log_fields
from ko_deployment.clusters import events
from ko_deployment.clusters.models import Cluster
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.schemas import ClusterEvent
from ko_deployment.clusters.service import TABLE

log = logging.getLogger(__name__)
SETTLED = ("ready", "not-ready")


@dataclass(frozen=True)
class Seen:
    ready: bool
    reason: str
    version: str | None = None


def readiness(nodes: list[dict[str, Any]]) -> dict[str, Seen]:
    """InternalIP -> whether the node is Ready, from a NodeList's items."""
    out = {}
    for node in nodes:
        status = node.get("status") or {}
        cond: dict[str, Any] = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), {})
        kubelet = str((status.get("nodeInfo") or {}).get("kubeletVersion") or "").removeprefix("v") or None
        seen = Seen(cond.get("status") == "True", str(cond.get("reason") or "no Ready condition"), kubelet)
        for address in status.get("addresses") or []:
            if address.get("type") == "InternalIP":
                out[str(address.get("address"))] = seen
    return out


class NodeHealth:
    def __init__(self, db: Database, *, interval_seconds: float, not_ready_seconds: float, concurrency: int = 8):
        self.db = db
        self.interval = interval_seconds
        self.threshold = timedelta(seconds=not_ready_seconds)
        self.slots = asyncio.Semaphore(concurrency)

    async def run(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.poll_once()
            await asyncio.sleep(self.interval)

    async def poll_once(self) -> int:
        """Check every running cluster once; how many clusters had a node change."""
        async with self.db.transaction() as session:
            stmt = select(Cluster).where(
                Cluster.status.in_(("running", "scaling", "upgrading")), Cluster.kubeconfig_enc.is_not(None)
            )
            clusters = (await session.execute(stmt)).scalars().all()
            box = box_for(session)
            targets = [
                (c.id, box.decrypt(c.kubeconfig_enc, table=TABLE, row_id=c.id, field="kubeconfig"))
                for c in clusters
                if c.kubeconfig_enc is not None
            ]
        changed = await asyncio.gather(*(self._one(cluster_id, text) for cluster_id, text in targets))
        return sum(changed)

    async def _one(self, cluster_id: str, kubeconfig: str) -> bool:
        async with self.slots:
            try:
                async with kube_client(kubeconfig) as http:
                    r = await http.get("/api/v1/nodes")
                    r.raise_for_status()
                    seen = readiness(r.json().get("items") or [])
            except (KubeconfigInvalid, Exception) as exc:  # noqa: BLE001 - unreachable: the next round retries
                log.debug(
                    "node health: cluster unreadable (%s)", type(exc).__name__, extra=log_fields(cluster_id=cluster_id)
                )
                return False
        return await self._apply(cluster_id, seen, utcnow())

    async def _apply(self, cluster_id: str, seen: dict[str, Seen], now: datetime) -> bool:
        async with self.db.transaction() as session:
            cluster = await ClusterRepository(session).get(cluster_id)
            if cluster is None:
                return False
            changed = []
            for node in cluster.nodes:
                state = seen.get(node.ip)
                if state is not None and state.version and state.version != node.version:
                    node.version = state.version
                    changed.append((node.name, f"version {state.version}", node.status))
                if node.status not in SETTLED:
                    continue
                if state is not None and state.ready:
                    node.not_ready_since = None
                    if node.status != "ready":
                        node.status = "ready"
                        changed.append((node.name, "ready", state.reason))
                    continue
                node.not_ready_since = node.not_ready_since or now
                if node.status == "ready" and now - node.not_ready_since >= self.threshold:
                    node.status = "not-ready"
                    changed.append((node.name, "not-ready", state.reason if state else "not registered"))
            await session.flush()
            if changed:
                await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
                           project_id=cluster.project_id)  # fmt: skip
                for name, status, reason in changed:
                    log.info("node health changed", extra=log_fields(cluster_id=cluster.id, node=name,
                                                                      status=status, reason=reason))  # fmt: skip
            return bool(changed)
