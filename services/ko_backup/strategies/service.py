"""A cluster's backup strategy: set, read, removed; which good backups its retention deletes.

The caller's transaction is the request's (or the scheduler's): this module only flushes. The account
must be shared with the cluster's project, the same rule a backup on demand follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ko_backup.accounts.repository import BackupAccountRepository
from ko_backup.backups.models import Backup
from ko_backup.strategies import cron, events
from ko_backup.strategies.models import BackupStrategy
from ko_backup.strategies.repository import StrategyRepository
from ko_backup.strategies.schemas import StrategyEvent, StrategyPut
from ko_common.cluster_access import ClusterInfo
from ko_common.errors import InvalidInput, NotFound
from ko_common.events import emit


async def put(session: AsyncSession, info: ClusterInfo, body: StrategyPut, *, by: str, now: datetime) -> BackupStrategy:
    """Set the cluster's strategy; its next tick is the first after ``now`` (a change never fires at once)."""
    await _require_shared(session, body.account_id, info.project_id)
    repo = StrategyRepository(session)
    strategy = await repo.get(info.cluster_id)
    if strategy is None:
        strategy = BackupStrategy(cluster_id=info.cluster_id)
        session.add(strategy)
    strategy.project_id, strategy.account_id, strategy.cron = info.project_id, body.account_id, body.cron
    strategy.keep_count, strategy.keep_days, strategy.enabled = body.keep_count, body.keep_days, body.enabled
    strategy.next_run_at, strategy.last_error, strategy.updated_by = cron.next_after(body.cron, now), "", by
    await session.flush()
    await emit(session, events.STRATEGY_UPDATED, StrategyEvent.of(strategy), subject_id=strategy.cluster_id,
               project_id=strategy.project_id)  # fmt: skip
    return strategy


async def get(session: AsyncSession, cluster_id: str) -> BackupStrategy:
    strategy = await StrategyRepository(session).get(cluster_id)
    if strategy is None:
        raise NotFound(
            f"Cluster {cluster_id} has no backup strategy: set one with PUT "
            f"/api/v1/clusters/{cluster_id}/backup-strategy.",
            field="cluster_id",
        )
    return strategy


async def delete(session: AsyncSession, cluster_id: str) -> None:
    """No more scheduled backups of the cluster; its backups stay (and retention stops)."""
    strategy = await get(session, cluster_id)
    await StrategyRepository(session).delete(strategy)
    await emit(session, events.STRATEGY_DELETED, StrategyEvent.of(strategy), subject_id=strategy.cluster_id,
               project_id=strategy.project_id)  # fmt: skip


async def run_failed(session: AsyncSession, strategy: BackupStrategy, reason: str) -> None:
    strategy.last_error = reason[:1000]
    await session.flush()
    await emit(session, events.STRATEGY_RUN_FAILED, StrategyEvent.of(strategy), subject_id=strategy.cluster_id,
               project_id=strategy.project_id)  # fmt: skip


def doomed(good: Sequence[Backup], keep_count: int, keep_days: int | None, now: datetime) -> list[tuple[Backup, str]]:
    """Which of the cluster's good backups (newest first) retention deletes, and why.

    Beyond the newest ``keep_count``, and older than ``keep_days``; never the newest good one, whatever
    its age: a cluster whose schedule stopped working keeps the last backup it can be restored from.
    """
    out: list[tuple[Backup, str]] = []
    oldest = now - timedelta(days=keep_days) if keep_days else None
    for i, backup in enumerate(good):
        if i == 0:
            continue
        if i >= keep_count:
            out.append((backup, f"Deleted by retention: {keep_count} newer good backups are kept."))
        elif oldest is not None and backup.created_at < oldest:
            out.append((backup, f"Deleted by retention: older than {keep_days} days."))
    return out


async def _require_shared(session: AsyncSession, account_id: str, project_id: str) -> None:
    accounts = BackupAccountRepository(session)
    account = await accounts.get(account_id)
    shared = (await accounts.projects_of([account_id])).get(account_id, []) if account else []
    if account is None or project_id not in shared:
        raise InvalidInput(
            f"account_id: no backup account {account_id} is shared with this cluster's project: pick one from "
            "GET /api/v1/backup-accounts, or ask an admin to share one.",
            field="account_id",
        )
