"""All SQL of the backup accounts domain."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, or_, select

from ko_backup.accounts.models import BackupAccount, BackupAccountProject
from ko_backup.backups.models import Backup
from ko_backup.strategies.models import BackupStrategy
from ko_common.repository import Repository


class BackupAccountRepository(Repository[BackupAccount]):
    model = BackupAccount

    async def usage(self, account_id: str) -> tuple[int, int]:
        """Backups the account still holds (every status but deleted) and strategies that write into it."""
        held = (
            select(func.count()).select_from(Backup).where(Backup.account_id == account_id, Backup.status != "deleted")
        )
        used = select(func.count()).select_from(BackupStrategy).where(BackupStrategy.account_id == account_id)
        return (await self.session.execute(held)).scalar_one(), (await self.session.execute(used)).scalar_one()

    async def by_name(self, name: str) -> BackupAccount | None:
        return await self.one_or_none(select(BackupAccount).where(BackupAccount.name == name))

    async def search(
        self, projects: set[str] | None, kind: str | None, q: str | None, limit: int, offset: int
    ) -> tuple[Sequence[BackupAccount], int]:
        """Accounts shared with any of ``projects`` (None: every account), of ``kind``, whose name or
        description holds ``q``."""
        stmt = select(BackupAccount).order_by(BackupAccount.name, BackupAccount.id)
        if projects is not None:
            if not projects:
                return [], 0
            shared = select(BackupAccountProject.account_id).where(
                BackupAccountProject.project_id.in_(sorted(projects))
            )
            stmt = stmt.where(BackupAccount.id.in_(shared))
        if kind:
            stmt = stmt.where(BackupAccount.kind == kind)
        if q:
            needle = q.lower()
            stmt = stmt.where(
                or_(
                    func.lower(BackupAccount.name).contains(needle, autoescape=True),
                    func.lower(BackupAccount.description).contains(needle, autoescape=True),
                )
            )
        return await self.paginate(stmt, limit, offset)

    async def projects_of(self, account_ids: Iterable[str]) -> dict[str, list[str]]:
        ids = sorted(set(account_ids))
        out: dict[str, list[str]] = defaultdict(list)
        if not ids:
            return out
        stmt = (
            select(BackupAccountProject.account_id, BackupAccountProject.project_id)
            .where(BackupAccountProject.account_id.in_(ids))
            .order_by(BackupAccountProject.project_id)
        )
        for account_id, project_id in (await self.session.execute(stmt)).all():
            out[account_id].append(project_id)
        return out

    async def share(self, account_id: str, project_ids: list[str]) -> None:
        """Make ``project_ids`` the exact set of projects the account is shared with."""
        await self.session.execute(delete(BackupAccountProject).where(BackupAccountProject.account_id == account_id))
        if project_ids:
            await self.session.execute(
                insert(BackupAccountProject), [{"account_id": account_id, "project_id": p} for p in project_ids]
            )

    async def flush(self) -> None:
        await self.session.flush()
