"""All SQL of the backups domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ko_backup.backups.models import Backup, Restore
from ko_common.repository import Repository


class BackupRepository(Repository[Backup]):
    model = Backup

    async def of_cluster(
        self, cluster_id: str, status: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Backup], int]:
        stmt = select(Backup).where(Backup.cluster_id == cluster_id, Backup.status != "deleted")
        if status:
            stmt = stmt.where(Backup.status == status)
        return await self.paginate(stmt.order_by(Backup.created_at.desc(), Backup.id), limit, offset)

    async def running(self) -> Sequence[Backup]:
        return await self.all(select(Backup).where(Backup.status == "running", Backup.operation_id.is_not(None)))

    async def active_restore(self, cluster_id: str) -> Restore | None:
        stmt = select(Restore).where(Restore.cluster_id == cluster_id, Restore.status == "running")
        return (await self.session.execute(stmt)).scalars().first()


class RestoreRepository(Repository[Restore]):
    model = Restore

    async def of_cluster(self, cluster_id: str, limit: int, offset: int) -> tuple[Sequence[Restore], int]:
        stmt = select(Restore).where(Restore.cluster_id == cluster_id)
        return await self.paginate(stmt.order_by(Restore.created_at.desc(), Restore.id), limit, offset)

    async def running(self) -> Sequence[Restore]:
        return await self.all(select(Restore).where(Restore.status == "running", Restore.operation_id.is_not(None)))
