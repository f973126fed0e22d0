"""All SQL of the workspaces domain (the Terraform states' is in state.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ko_common.repository import Repository
from ko_provisioning.workspaces.models import Workspace


class WorkspaceRepository(Repository[Workspace]):
    model = Workspace

    async def page(self, projects: set[str] | None, project_id: str | None, limit: int, offset: int
                   ) -> tuple[Sequence[Workspace], int]:  # fmt: skip
        stmt = select(Workspace)
        if projects is not None:
            stmt = stmt.where(Workspace.project_id.in_(projects))
        if project_id is not None:
            stmt = stmt.where(Workspace.project_id == project_id)
        return await self.paginate(stmt.order_by(Workspace.created_at.desc(), Workspace.id), limit, offset)

    async def by_name(self, project_id: str, name: str) -> Workspace | None:
        return await self.one_or_none(select(Workspace).where(Workspace.project_id == project_id,
                                                              Workspace.name == name))  # fmt: skip
