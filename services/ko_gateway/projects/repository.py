"""SQL of projects and memberships."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ko_common.repository import Repository
from ko_gateway.models import Membership, Project, User


class ProjectRepository(Repository[Project]):
    model = Project

    async def by_name(self, name: str) -> Project | None:
        return await self.one_or_none(select(Project).where(Project.name == name))

    async def page(self, only: set[str] | None, limit: int, offset: int) -> tuple[Sequence[Project], int]:
        stmt = select(Project).order_by(Project.name)
        if only is not None:
            stmt = stmt.where(Project.id.in_(only))
        return await self.paginate(stmt, limit, offset)


class MembershipRepository(Repository[Membership]):
    model = Membership

    async def find(self, project_id: str, user_id: str) -> Membership | None:
        return await self.one_or_none(
            select(Membership).where(Membership.project_id == project_id, Membership.user_id == user_id)
        )

    async def members(self, project_id: str) -> list[tuple[Membership, User]]:
        rows = await self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.project_id == project_id)
            .order_by(User.username)
        )
        return [(m, u) for m, u in rows.tuples().all()]
