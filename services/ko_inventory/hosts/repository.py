"""All SQL of the hosts domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select, update

from ko_common.db import utcnow
from ko_common.repository import Repository
from ko_inventory.hosts.models import Host


class HostRepository(Repository[Host]):
    model = Host

    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(Host).where(Host.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def count_using_credential(self, credential_id: str) -> int:
        stmt = select(func.count()).select_from(Host).where(Host.credential_id == credential_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def by_name(self, project_id: str, name: str) -> Host | None:
        return await self.one_or_none(select(Host).where(Host.project_id == project_id, Host.name == name))

    async def by_address(self, ip: str, port: int) -> Host | None:
        return await self.one_or_none(select(Host).where(Host.ip == ip, Host.port == port))

    async def existing_addresses(self, addresses: set[tuple[str, int]]) -> dict[tuple[str, int], Host]:
        """The hosts, in any project, registered at any of ``addresses``."""
        if not addresses:
            return {}
        ips = sorted({ip for ip, _ in addresses})
        hosts = await self.all(select(Host).where(Host.ip.in_(ips)))
        return {(h.ip, h.port): h for h in hosts if (h.ip, h.port) in addresses}

    async def existing_names(self, project_id: str, names: set[str]) -> set[str]:
        if not names:
            return set()
        stmt = select(Host.name).where(Host.project_id == project_id, Host.name.in_(sorted(names)))
        return set((await self.session.execute(stmt)).scalars().all())

    async def many(self, ids: Sequence[str]) -> Sequence[Host]:
        return await self.all(select(Host).where(Host.id.in_(list(ids))).order_by(Host.name))

    async def in_project(self, project_id: str) -> Sequence[Host]:
        return await self.all(select(Host).where(Host.project_id == project_id).order_by(Host.name))

    async def in_cluster(self, cluster_id: str) -> Sequence[Host]:
        return await self.all(select(Host).where(Host.cluster_id == cluster_id).order_by(Host.name))

    async def search(
        self,
        projects: set[str] | None,
        q: str | None,
        status: str | None,
        available: bool | None,
        cluster_id: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Host], int]:
        stmt = select(Host).order_by(Host.name, Host.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(Host.project_id.in_(sorted(projects)))
        if q:
            needle = q.lower()
            stmt = stmt.where(or_(func.lower(Host.name).contains(needle, autoescape=True), Host.ip.startswith(q)))
        if status:
            stmt = stmt.where(Host.status == status)
        if available is not None:
            stmt = stmt.where(Host.cluster_id.is_(None) if available else Host.cluster_id.is_not(None))
        if cluster_id:
            stmt = stmt.where(Host.cluster_id == cluster_id)
        return await self.paginate(stmt, limit, offset)

    async def claim(self, ids: Sequence[str], project_id: str, cluster_id: str) -> int:
        """Put the free hosts among ``ids`` into the cluster in one statement; returns how many it took.

        The condition in the UPDATE makes two clusters claiming one host race-free on SQLite and PostgreSQL.
        """
        stmt = (
            update(Host)
            .where(
                Host.id.in_(list(ids)),
                Host.project_id == project_id,
                or_(Host.cluster_id.is_(None), Host.cluster_id == cluster_id),
            )
            .values(cluster_id=cluster_id, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return int((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def flush(self) -> None:
        await self.session.flush()
