"""Health: what callers may read (the cluster's project), how a verdict or an announcement changes a
cluster's row, and the ``health-changed`` event of each change, in the caller's transaction.

A change is a new state or new findings; the latency and node counts move without an event. Facts told by
other services' events (certificates, backups) are stored here and judged at the cluster's next check.
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
from ko_observability.health import events, facts
from ko_observability.health.facts import FactsPolicy
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


class ClusterNotYetKnown(LookupError):
    """A fact about a cluster whose own events were not applied yet (another consumer): the bus redelivers
    it a few times, by which time the cluster's events have usually arrived."""


async def _facts_row(session: AsyncSession, cluster_id: str) -> ClusterHealth:
    row = await HealthRepository(session).locked(cluster_id)
    if row is None:
        raise ClusterNotYetKnown(f"cluster {cluster_id} is not known yet")
    return row


async def certificates_checked(
    session: AsyncSession, cluster_id: str, expires: datetime | None, soonest: str | None, at: datetime
) -> None:
    """A certificate check's soonest expiry (an older check than the one applied changes nothing)."""
    row = await _facts_row(session, cluster_id)
    if row.certificates_checked_at is not None and at < row.certificates_checked_at:
        return
    row.certificates_checked_at, row.certificates_expire_at, row.certificates_soonest = at, expires, soonest
    await session.flush()


async def backup_finished(session: AsyncSession, cluster_id: str, good: bool, at: datetime) -> None:
    row = await _facts_row(session, cluster_id)
    if good:
        row.last_backup_at = max(filter(None, (row.last_backup_at, at)))
    else:
        row.last_backup_failed_at = max(filter(None, (row.last_backup_failed_at, at)))
    await session.flush()


async def backup_schedule(session: AsyncSession, cluster_id: str, enabled: bool, at: datetime) -> None:
    """The cluster's backup strategy was saved (enabled or not) or deleted (``enabled`` False) at ``at``."""
    row = await _facts_row(session, cluster_id)
    if row.backup_schedule_at is not None and at < row.backup_schedule_at:
        return
    row.backup_schedule_at = at
    row.backup_schedule_since = (row.backup_schedule_since or at) if enabled else None
    await session.flush()


async def record(
    session: AsyncSession, row: ClusterHealth, verdict: Verdict, now: datetime, policy: FactsPolicy | None = None
) -> bool:
    """Store a check's verdict with the findings of the facts other services told (certificates, backups);
    True when it changed the state or the findings (an event went out)."""
    row.checked_at = now
    row.latency_ms = verdict.latency_ms
    row.nodes_ready, row.nodes_total = verdict.nodes_ready, verdict.nodes_total
    return await _change(session, row, verdict.adding(facts.findings(row, now, policy or FactsPolicy())), now)


async def _change(session: AsyncSession, row: ClusterHealth, verdict: Verdict, now: datetime) -> bool:
    before, reasons_before, findings_before = row.state, json.loads(row.reasons), json.loads(row.findings or "[]")
    if verdict.state == "unreachable":
        row.unreachable_since = row.unreachable_since or now
    else:
        row.unreachable_since = None
    findings = [f.as_dict() for f in verdict.findings]
    if (verdict.state, findings) == (before, findings_before):
        return False
    row.state, row.reasons, row.findings = verdict.state, json.dumps(verdict.reasons), json.dumps(findings)
    await session.flush()
    data = ClusterHealthEvent(
        **ClusterHealthOut.of(row).model_dump(),
        previous_state=before,
        previous_reasons=reasons_before,
        previous_findings=findings_before,
    )  # type: ignore[arg-type]
    await emit(session, events.HEALTH_CHANGED, data, subject_id=row.cluster_id, project_id=row.project_id)
    log.info(
        "cluster health changed",
        extra=log_fields(cluster_id=row.cluster_id, project_id=row.project_id, state=row.state, previous=before),
    )
    return True
