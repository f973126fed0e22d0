"""All SQL of the known projects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ko_common.repository import Repository
from ko_inventory.projects.models import KnownProject


class ProjectRepository(Repository[KnownProject]):
    model = KnownProject

    async def exists(self, project_id: str) -> bool:
        stmt = select(KnownProject.id).where(KnownProject.id == project_id, KnownProject.deleted.is_(False))
        return (await self.session.execute(stmt)).first() is not None

    async def upsert(self, project_id: str, name: str, at: datetime, *, deleted: bool = False) -> None:
        """Record the project as of ``at``, in one statement (replicas may apply events at once).

        Nothing changes if a newer event was applied already; a deleted project stays deleted.
        """
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(KnownProject).values(id=project_id, name=name, deleted=deleted, updated_at=at)
        table = KnownProject.__table__
        if deleted:
            changes = {"deleted": True, "updated_at": stmt.excluded.updated_at}
            where = table.c.deleted.is_(False)
        else:
            changes = {"name": stmt.excluded.name, "updated_at": stmt.excluded.updated_at}
            where = table.c.deleted.is_(False) & (table.c.updated_at <= stmt.excluded.updated_at)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=[table.c.id], set_=changes, where=where))
