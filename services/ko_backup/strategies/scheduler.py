"""The backup service's scheduler: every replica runs it; each tick of a strategy starts one backup.

Exactly once per tick across replicas: a replica starts a strategy's backup only when its conditional
UPDATE moved `next_run_at` from the tick it saw to the first tick after now (repository.claim), in the
same transaction as the backup's record. Another replica's UPDATE waits for that transaction and then
matches nothing; a replica that dies before committing loses its claim, and the tick is taken again.
A tick missed while every replica was down runs once: the claim jumps past every missed tick.

A start refused (cluster busy, not running, account gone) keeps the claim: it is written on the
strategy (`last_error`) and as an event, and the next tick tries again. Nothing here ends the loop.

Retention runs here too, after the ticks of each round, for every enabled strategy: backups become good
when the deployment service delivers their receipt (on any replica, at any time), so the round that
follows sees them, without the delivery waiting on deletions in remote storage. Deletions of one
cluster are serialised by a write on its strategy row, so two replicas never delete a backup twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from ko_backup.backups import service as backups
from ko_backup.strategies import cron
from ko_backup.strategies import service as strategies
from ko_backup.strategies.repository import StrategyRepository
from ko_common.db import Database, utcnow
from ko_common.errors import KOError
from ko_common.logging import log_fields

log = logging.getLogger(__name__)
SCHEDULE = "schedule"


class Scheduler:
    def __init__(self, db: Database, deps: backups.Deps, now: Callable[[], datetime] = utcnow) -> None:
        self.db, self.deps, self.now = db, deps, now

    async def run(self, interval: float) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("backup schedule round failed")
            await asyncio.sleep(interval)

    async def tick(self) -> list[str]:
        """One round: start the backups whose tick came (returns their ids), then apply retention."""
        now = self.now()
        async with self.db.transaction() as session:
            due = await StrategyRepository(session).due(now)
        started = []
        for cluster_id, seen, expr in due:
            try:
                backup_id = await self._fire(cluster_id, seen, expr, now)
            except Exception:
                log.exception("scheduled backup not started", extra=log_fields(cluster_id=cluster_id))
                continue
            if backup_id:
                started.append(backup_id)
        await self.retain(now)
        return started

    async def _fire(self, cluster_id: str, seen: datetime, expr: str, now: datetime) -> str | None:
        async with self.db.transaction() as session:
            repo = StrategyRepository(session)
            # The claim is the transaction's first statement: on SQLite it takes the write lock before
            # any read, so no replica acts on a snapshot another replica's commit made stale.
            if not await repo.claim(cluster_id, seen, cron.next_after(expr, now), now):
                return None
            strategy = await strategies.get(session, cluster_id)
            try:
                async with session.begin_nested():
                    info = await backups.cluster_for(self.deps, None, cluster_id)
                    backup = await backups.start_backup(
                        session, self.deps, info, strategy.account_id, created_by=SCHEDULE, trigger=SCHEDULE
                    )
            except KOError as exc:
                await strategies.run_failed(session, strategy, exc.detail)
                log.info("scheduled backup refused", extra=log_fields(cluster_id=cluster_id, error=exc.detail))
                return None
            except Exception as exc:  # recorded, and the next tick tries again
                log.exception("scheduled backup failed to start", extra=log_fields(cluster_id=cluster_id))
                await strategies.run_failed(session, strategy, f"The backup could not start ({type(exc).__name__}).")
                return None
            strategy.last_backup_id, strategy.last_error = backup.id, ""
            return backup.id

    async def retain(self, now: datetime) -> int:
        """Delete what every enabled strategy's retention no longer keeps; returns how many were deleted."""
        async with self.db.transaction() as session:
            repo = StrategyRepository(session)
            pending = [
                s.cluster_id
                for s in await repo.retained()
                if strategies.doomed(await repo.good_backups(s.cluster_id), s.keep_count, s.keep_days, now)
            ]
        deleted = 0
        for cluster_id in pending:
            try:
                deleted += await self._retain(cluster_id, now)
            except Exception:
                log.exception("backup retention failed", extra=log_fields(cluster_id=cluster_id))
        return deleted

    async def _retain(self, cluster_id: str, now: datetime) -> int:
        async with self.db.transaction() as session:
            repo = StrategyRepository(session)
            await repo.lock(cluster_id)  # first: read again only once no other replica is deleting
            strategy = await repo.get(cluster_id)
            if strategy is None or not strategy.enabled:
                return 0
            doomed = strategies.doomed(
                await repo.good_backups(cluster_id), strategy.keep_count, strategy.keep_days, now
            )
            for backup, reason in doomed:
                await backups.delete_backup(session, backup, self.deps.storage_timeout, reason=reason)
                log.info("backup deleted by retention", extra=log_fields(backup_id=backup.id, cluster_id=cluster_id))
            return len(doomed)
