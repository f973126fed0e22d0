"""All SQL of clusters."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from ko_common.repository import Repository
from ko_deployment.clusters.models import Cluster


class ClusterRepository(Repository[Cluster]):
    model = Cluster

    async def by_name(self, project_id: str, name: str) -> Cluster | None:
        return await self.one_or_none(select(Cluster).where(Cluster.project_id == project_id, Cluster.name == name))

    async def search(
        self, projects: set[str] | None, status: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Cluster], int]:
        stmt = select(Cluster).order_by(Cluster.name, Cluster.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(Cluster.project_id.in_(sorted(projects)))
        if status:
            stmt = stmt.where(Cluster.status == status)
        return await self.paginate(stmt, limit, offset)

    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(Cluster).where(Cluster.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def flush(self) -> None:
        await self.session.flush()
