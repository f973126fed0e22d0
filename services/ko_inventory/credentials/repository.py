"""All SQL of the credentials domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select

from ko_common.repository import Repository
from ko_inventory.credentials.models import Credential


class CredentialRepository(Repository[Credential]):
    model = Credential

    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(Credential).where(Credential.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def by_name(self, project_id: str, name: str) -> Credential | None:
        return await self.one_or_none(
            select(Credential).where(Credential.project_id == project_id, Credential.name == name)
        )

    async def search(
        self, projects: set[str] | None, q: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Credential], int]:
        """Credentials of ``projects`` (None: every project) whose name, username or description holds ``q``."""
        stmt = select(Credential).order_by(Credential.name, Credential.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(Credential.project_id.in_(sorted(projects)))
        if q:
            needle = q.lower()
            stmt = stmt.where(
                or_(
                    *(
                        func.lower(col).contains(needle, autoescape=True)
                        for col in (Credential.name, Credential.username, Credential.description)
                    )
                )
            )
        return await self.paginate(stmt, limit, offset)

    async def flush(self) -> None:
        await self.session.flush()
