"""All SQL of the strategies domain, including the claim of a tick and the good backups retention reads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from ko_backup.backups.models import Backup
from ko_backup.strategies.models import BackupStrategy
from ko_common.repository import Repository


class StrategyRepository(Repository[BackupStrategy]):
    model = BackupStrategy

    async def due(self, now: datetime) -> Sequence[tuple[str, datetime, str]]:
        """(cluster_id, next_run_at, cron) of every enabled strategy whose tick has come."""
        stmt = (
            select(BackupStrategy.cluster_id, BackupStrategy.next_run_at, BackupStrategy.cron)
            .where(BackupStrategy.enabled.is_(True), BackupStrategy.next_run_at <= now)
            .order_by(BackupStrategy.next_run_at)
        )
        return [(c, n, e) for c, n, e in (await self.session.execute(stmt)).all()]

    async def claim(self, cluster_id: str, seen: datetime, following: datetime, now: datetime) -> bool:
        """Move the tick ``seen`` on to ``following``: True for the one caller whose UPDATE changed the row.

        The row is locked (PostgreSQL) or the database is (SQLite) until the caller's transaction ends,
        so a second replica's UPDATE waits, then finds the tick moved on and changes nothing.
        """
        stmt = (
            update(BackupStrategy)
            .where(
                BackupStrategy.cluster_id == cluster_id,
                BackupStrategy.enabled.is_(True),
                BackupStrategy.next_run_at == seen,
            )
            .values(next_run_at=following, last_run_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def retained(self) -> Sequence[BackupStrategy]:
        return await self.all(select(BackupStrategy).where(BackupStrategy.enabled.is_(True)))

    async def lock(self, cluster_id: str) -> None:
        """Serialise retention of one cluster across replicas (a write on its strategy row)."""
        stmt = (
            update(BackupStrategy)
            .where(BackupStrategy.cluster_id == cluster_id)
            .values(updated_at=BackupStrategy.updated_at)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(stmt)

    async def good_backups(self, cluster_id: str) -> Sequence[Backup]:
        """The cluster's good backups, newest first."""
        stmt = (
            select(Backup)
            .where(Backup.cluster_id == cluster_id, Backup.status == "good")
            .order_by(Backup.created_at.desc(), Backup.id.desc())
        )
        return (await self.session.execute(stmt)).scalars().all()
