"""Kubernetes events: how an Event object becomes a stored row, how a batch of them is applied (upsert
by uid; an unchanged resourceVersion changes nothing), which of them are published as warnings, and
what callers may search. The caller owns the transaction (request, watcher): this module only flushes.

Guarantees:
- An Event object is one row per cluster, whatever how often it is seen (a relist, a resumed watch):
  keyed by its uid, updated in place when its resourceVersion changes (count++, a new message).
- A Warning is published (``ko.observability.kube-event.warning``) at most once per uid and count: only
  when its count exceeds the count last published, and only within the cluster's budget per minute
  (``WarningBudget``); one not published for the budget goes out if it recurs later.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_observability.health.repository import HealthRepository
from ko_observability.kube_events import events
from ko_observability.kube_events.models import KubeEvent
from ko_observability.kube_events.repository import KubeEventRepository, Search
from ko_observability.kube_events.schemas import KubeWarningEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observed:
    """The stored part of one Event object (core v1 view: events.k8s.io writers' series included)."""

    uid: str
    resource_version: str
    namespace: str
    kind: str
    name: str
    reason: str
    message: str
    type: str
    count: int
    source: str
    first_seen: datetime
    last_seen: datetime


def _time(*values: Any) -> datetime | None:
    for value in values:
        if value:
            return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return None


def observed(obj: dict[str, Any]) -> Observed | None:
    """The Event object as stored; None for an object without uid or resourceVersion (not an Event)."""
    meta = obj.get("metadata") or {}
    if not meta.get("uid") or not meta.get("resourceVersion"):
        return None
    involved = obj.get("involvedObject") or {}
    series = obj.get("series") or {}
    source = obj.get("source") or {}
    component = source.get("component") or obj.get("reportingComponent") or ""
    host = source.get("host") or obj.get("reportingInstance") or ""
    created = _time(meta.get("creationTimestamp"))
    first = _time(obj.get("firstTimestamp"), obj.get("eventTime"), created)
    last = _time(series.get("lastObservedTime"), obj.get("lastTimestamp"), obj.get("eventTime"), first)
    assert first is not None and last is not None, "the API server always sets creationTimestamp"
    return Observed(
        uid=str(meta["uid"]), resource_version=str(meta["resourceVersion"]),
        namespace=str(involved.get("namespace") or meta.get("namespace") or ""),
        kind=str(involved.get("kind") or "")[:128], name=str(involved.get("name") or "")[:253],
        reason=str(obj.get("reason") or "")[:128], message=str(obj.get("message") or ""),
        type=str(obj.get("type") or "Normal")[:16], count=int(series.get("count") or obj.get("count") or 1),
        source=(f"{component} {host}".strip() if host else component)[:255], first_seen=first, last_seen=last,
    )  # fmt: skip


class WarningBudget:
    """At most ``per_minute`` warnings of one cluster in any 60 s; what is refused is counted, not queued."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.sent: deque[float] = deque()
        self.refused = 0

    def take(self) -> bool:
        now = time.monotonic()
        while self.sent and now - self.sent[0] >= 60:
            self.sent.popleft()
        if len(self.sent) >= self.per_minute:
            self.refused += 1
            return False
        self.sent.append(now)
        return True


async def apply(
    session: AsyncSession, cluster_id: str, project_id: str, items: Iterable[Observed], budget: WarningBudget
) -> int:
    """Store ``items`` (the latest of each uid wins); how many rows were added or changed."""
    latest = {item.uid: item for item in items}
    if not latest:
        return 0
    repo = KubeEventRepository(session)
    rows = await repo.by_uid(cluster_id, list(latest))
    changed: list[KubeEvent] = []
    for uid, item in latest.items():
        row = rows.get(uid)
        if row is not None and row.resource_version == item.resource_version:
            continue  # seen already (a relist, or a watch resumed at an older point)
        if row is None:
            row = KubeEvent(cluster_id=cluster_id, project_id=project_id, uid=uid, published_count=0)
            session.add(row)
        row.project_id = project_id
        row.resource_version, row.namespace, row.kind, row.name = (
            item.resource_version,
            item.namespace,
            item.kind,
            item.name,
        )
        row.reason, row.message, row.type, row.count = item.reason, item.message, item.type, item.count
        row.source, row.first_seen, row.last_seen = item.source, item.first_seen, item.last_seen
        changed.append(row)
    await session.flush()
    for row in changed:
        if row.type == "Warning" and row.count > row.published_count and budget.take():
            row.published_count = row.count
            await emit(session, events.WARNING, KubeWarningEvent.of(row), subject_id=cluster_id, project_id=project_id)
    await session.flush()
    return len(changed)


async def search(session: AsyncSession, identity: Identity, query: Search) -> tuple[Sequence[KubeEvent], int]:
    """Events the caller may read: of one cluster (of a project it can read), or of its projects."""
    projects = identity.readable_projects()
    if query.cluster_id is not None:
        cluster = await HealthRepository(session).visible(query.cluster_id)
        # A cluster of a project the caller cannot see is reported missing, so ids cannot be probed.
        if cluster is None or not identity.can_read(cluster.project_id):
            raise NotFound(
                f"No cluster {query.cluster_id} whose events are known: check the id, or ask for access to its "
                "project (a cluster appears once the deployment service has announced it).",
                field="cluster_id",
            )
        projects = {cluster.project_id}
    elif query.project_id is not None:
        identity.require_read(query.project_id)
        projects = {query.project_id}
    return await KubeEventRepository(session).search(projects, query)
