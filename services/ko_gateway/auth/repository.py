"""SQL of users, memberships, sessions and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select

from ko_common.repository import Repository
from ko_gateway.models import ApiToken, Membership, Project, Session, User


class UserRepository(Repository[User]):
    model = User

    async def by_username(self, username: str) -> User | None:
        return await self.one_or_none(select(User).where(User.username == username))

    async def count(self) -> int:
        return len(await self.all(select(User.id)))  # type: ignore[arg-type]

    async def memberships(self, user_id: str) -> list[tuple[str, str, str]]:
        rows = await self.session.execute(
            select(Membership.project_id, Project.name, Membership.role)
            .join(Project, Project.id == Membership.project_id)
            .where(Membership.user_id == user_id)
            .order_by(Project.name)
        )
        return [(r[0], r[1], r[2]) for r in rows.all()]

    async def page(self, limit: int, offset: int, q: str | None) -> tuple[Sequence[User], int]:
        stmt = select(User).order_by(User.username)
        if q:
            like = f"%{q}%"
            stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like), User.email.ilike(like)))
        return await self.paginate(stmt, limit, offset)


class SessionRepository(Repository[Session]):
    model = Session

    async def by_hash(self, token_hash: str) -> Session | None:
        return await self.one_or_none(select(Session).where(Session.token_hash == token_hash))

    async def purge_expired(self, now: datetime) -> None:
        await self.session.execute(delete(Session).where(Session.expires_at < now))

    async def delete_for_user(self, user_id: str) -> None:
        await self.session.execute(delete(Session).where(Session.user_id == user_id))


class TokenRepository(Repository[ApiToken]):
    model = ApiToken

    async def by_hash(self, token_hash: str) -> ApiToken | None:
        return await self.one_or_none(select(ApiToken).where(ApiToken.token_hash == token_hash))

    async def page(self, user_id: str | None, limit: int, offset: int) -> tuple[Sequence[ApiToken], int]:
        stmt = select(ApiToken).order_by(ApiToken.created_at.desc())
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == user_id)
        return await self.paginate(stmt, limit, offset)
