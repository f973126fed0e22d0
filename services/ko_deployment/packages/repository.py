"""All SQL of offline packages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ko_common.repository import Repository
from ko_deployment.packages.models import OfflinePackage


class OfflinePackageRepository(Repository[OfflinePackage]):
    model = OfflinePackage

    async def search(self, status: str | None, limit: int, offset: int) -> tuple[Sequence[OfflinePackage], int]:
        stmt = select(OfflinePackage).order_by(OfflinePackage.created_at.desc(), OfflinePackage.id)
        if status is not None:
            stmt = stmt.where(OfflinePackage.status == status)
        return await self.paginate(stmt, limit, offset)

    async def live(self, version: str, arch: str) -> Sequence[OfflinePackage]:
        """The ready and importing packages of one version and architecture."""
        return await self.all(
            select(OfflinePackage).where(
                OfflinePackage.version == version,
                OfflinePackage.arch == arch,
                OfflinePackage.status.in_(("ready", "importing")),
            )
        )

    async def with_status(self, status: str) -> Sequence[OfflinePackage]:
        return await self.all(select(OfflinePackage).where(OfflinePackage.status == status))

    async def lock(self, package_id: str) -> OfflinePackage | None:
        return await self.one_or_none(select(OfflinePackage).where(OfflinePackage.id == package_id).with_for_update())
