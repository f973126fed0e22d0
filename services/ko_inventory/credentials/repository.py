"""All SQL of the credentials domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, func, or_, select

from ko_common.repository import Repository
from ko_inventory.credentials.models import Credential

SUMMARY_COLUMNS = (
    Credential.id,
    Credential.project_id,
    Credential.name,
    Credential.description,
    Credential.username,
    Credential.auth_type,
    Credential.password_enc.is_not(None).label("has_password"),
    Credential.private_key_enc.is_not(None).label("has_private_key"),
    Credential.passphrase_enc.is_not(None).label("has_passphrase"),
    Credential.key_fingerprint,
    Credential.created_at,
    Credential.updated_at,
)


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
    ) -> tuple[Sequence[RowMapping], int]:
        """Credentials of ``projects`` (None: every project) whose name, username or description holds ``q``.

        Rows carry the listed columns only (and whether each secret is set), never the ciphertexts.
        """
        stmt = select(*SUMMARY_COLUMNS).order_by(Credential.name, Credential.id)
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
        total = (
            await self.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
        rows = (await self.session.execute(stmt.limit(limit).offset(offset))).mappings().all()
        return rows, int(total)

    async def flush(self) -> None:
        await self.session.flush()
