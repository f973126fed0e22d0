"""Health: what callers may read (the cluster's project), how a verdict or an announcement changes a
cluster's row, and the ``health-changed`` event of each change, in the caller's transaction.

A change is a new state or new reasons; the latency and node counts move without an event.
The caller's transaction is the request's, the consumer's or the poller's: this module only flushes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_observability.health import events
from ko_observability.health.models import POLLED, ClusterHealth
from ko_observability.health.probe import Verdict
from ko_observability.health.repository import DELETED, HealthRepository
from ko_observability.health.schemas import ClusterHealthEvent, ClusterHealthOut

log = logging.getLogger(__name__)


async def get(session: AsyncSession, identity: Identity, cluster_id: str) -> ClusterHealth:
    row = await HealthRepository(session).visible(cluster_id)
    # A cluster of a project the caller cannot see is reported missing, so ids cannot be probed.
    if row is None or not identity.can_read(row.project_id):
        raise NotFound(
            f"No cluster {cluster_id} whose health is known: check the id, or ask for access to its project "
            "(a cluster appears here once the deployment service has announced it).",
            field="cluster_id",
        )
    return row


async def list_health(
    session: AsyncSession, identity: Identity, project_id: str | None, state: str | None, limit: int, offset: int
) -> tuple[Sequence[ClusterHealth], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    return await HealthRepository(session).search(projects, state, limit, offset)


async def announce(
    session: AsyncSession,
    cluster_id: str,
    project_id: str,
    name: str,
    status: str,
    at: datetime,
    now: datetime,
    *,
    deleted: bool = False,
) -> None:
    """Apply a deployment event about the cluster as of ``at``; an older one than applied is ignored, and
    a deleted cluster's row stays a tombstone that later events cannot revive."""
    row = await HealthRepository(session).announce(cluster_id, project_id, name, status, at)
    before = row.cluster_status
    if at < row.announced_at or before == DELETED:
        return
    row.project_id, row.name, row.announced_at = project_id, name, at
    row.cluster_status = DELETED if deleted else status
    if row.cluster_status in POLLED and before not in POLLED:
        row.due_at = now  # checked at once, not an interval later
    elif row.cluster_status not in POLLED:
        row.lease_until = row.leased_by = None
        if row.state != "unknown" and not deleted:  # a checked cluster stops being checked: say so once
            await _change(session, row, Verdict("unknown"), now)
    await session.flush()


async def record(session: AsyncSession, row: ClusterHealth, verdict: Verdict, now: datetime) -> bool:
    """Store a check's verdict; True when it changed the state or the reasons (an event went out)."""
    row.checked_at = now
    row.latency_ms = verdict.latency_ms
    row.nodes_ready, row.nodes_total = verdict.nodes_ready, verdict.nodes_total
    return await _change(session, row, verdict, now)


async def _change(session: AsyncSession, row: ClusterHealth, verdict: Verdict, now: datetime) -> bool:
    before, reasons_before = row.state, json.loads(row.reasons)
    if verdict.state == "unreachable":
        row.unreachable_since = row.unreachable_since or now
    else:
        row.unreachable_since = None
    if (verdict.state, verdict.reasons) == (before, reasons_before):
        return False
    row.state, row.reasons = verdict.state, json.dumps(verdict.reasons)
    await session.flush()
    data = ClusterHealthEvent(
        **ClusterHealthOut.of(row).model_dump(), previous_state=before, previous_reasons=reasons_before
    )  # type: ignore[arg-type]
    await emit(session, events.HEALTH_CHANGED, data, subject_id=row.cluster_id, project_id=row.project_id)
    log.info(
        "cluster health changed",
        extra=log_fields(cluster_id=row.cluster_id, project_id=row.project_id, state=row.state, previous=before),
    )
    return True
