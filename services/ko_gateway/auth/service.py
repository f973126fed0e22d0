"""Login with slow-down and lock-out, sessions, API tokens, first-start bootstrap."""

from __future__ import annotations

import asyncio
import logging
import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database, utcnow
from ko_common.errors import Locked, NotFound, TooManyRequests, Unauthorized
from ko_common.events import emit
from ko_gateway import events
from ko_gateway.auth.passwords import digest, generate_password, hash_password, new_token, verify_password
from ko_gateway.auth.principal import Principal
from ko_gateway.auth.repository import SessionRepository, TokenRepository, UserRepository
from ko_gateway.auth.schemas import MembershipOut, MeOut, UserOut
from ko_gateway.models import ApiToken, Membership, Project, Session, User
from ko_gateway.settings import GatewaySettings

log = logging.getLogger(__name__)


@dataclass
class LoginResult:
    user: User
    session_token: str
    csrf_token: str
    expires_at: datetime


def user_out(user: User, now: datetime | None = None) -> UserOut:
    now = now or utcnow()
    out = UserOut.model_validate(user)
    out.locked = bool(user.locked_until and user.locked_until > now)
    return out


async def me(session: AsyncSession, user: User) -> MeOut:
    rows = await UserRepository(session).memberships(user.id)
    base = user_out(user).model_dump()
    return MeOut(**base, memberships=[MembershipOut(project_id=p, project_name=n, role=r) for p, n, r in rows])  # type: ignore[arg-type]


def _locked(user: User) -> Locked:
    until = f"{user.locked_until:%Y-%m-%d %H:%M} UTC" if user.locked_until else "a while"
    return Locked(
        f"This account is locked until {until} after repeated failed logins: "
        "wait, or ask an administrator to unlock it."
    )


async def login(
    session: AsyncSession, settings: GatewaySettings, username: str, password: str, source_ip: str
) -> LoginResult:
    users = UserRepository(session)
    user = await users.by_username(username)
    now = utcnow()
    if user is None:
        # Checked against a dummy hash, so an unknown user takes as long as a known one;
        # in a thread, so the gateway keeps serving other calls meanwhile.
        await asyncio.to_thread(verify_password, None, password)
        raise Unauthorized("Wrong username or password.")
    if user.locked_until is not None and user.locked_until > now:
        raise _locked(user)
    over = user.failed_logins - settings.login_slowdown_after
    if over >= 0 and user.last_failed_at is not None:
        wait = min(2**over, 60)
        remaining = (user.last_failed_at + timedelta(seconds=wait) - now).total_seconds()
        if remaining > 0:
            seconds = math.ceil(remaining)
            raise TooManyRequests(
                f"Too many failed logins: wait {seconds} s before trying again.",
                headers={"Retry-After": str(seconds)},
            )
    await _count_attempt(session, settings, user)
    valid = await asyncio.to_thread(verify_password, user.password_hash, password)
    if not valid or not user.is_active:
        # The slow-down's wait runs from this answer, not from before the (slow) password check.
        await session.execute(
            update(User)
            .where(User.id == user.id)
            .values(last_failed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        if user.locked_until is not None:
            log.warning("account %s locked after %d failed logins", user.username, user.failed_logins)
        raise Unauthorized("Wrong username or password.")
    user.failed_logins = 0
    user.last_failed_at = None
    user.locked_until = None
    token, csrf = new_token("kos"), new_token("csrf")
    expires = now + timedelta(hours=settings.session_hours)
    sessions = SessionRepository(session)
    await sessions.purge_expired(now)
    await sessions.add(
        Session(
            user_id=user.id, token_hash=digest(token), csrf_hash=digest(csrf), expires_at=expires, source_ip=source_ip
        )
    )
    return LoginResult(user, token, csrf, expires)


async def _count_attempt(session: AsyncSession, settings: GatewaySettings, user: User) -> None:
    """Count this attempt as a failure before its password is checked (a success resets the count).

    One UPDATE, so attempts sent in parallel are counted one by one: the one that reaches
    ``login_lock_after`` also locks the account, and the ones after it find it locked. So at
    most ``login_lock_after`` guesses are ever checked, however many arrive at once.
    """
    now = utcnow()
    lock = now + timedelta(minutes=settings.login_lock_minutes)
    counted = await session.execute(
        update(User)
        .where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(
            failed_logins=User.failed_logins + 1,
            last_failed_at=now,
            locked_until=case((User.failed_logins + 1 >= settings.login_lock_after, lock), else_=None),
        )
        .execution_options(synchronize_session=False)
    )
    # Committed at once: the count must hold for the parallel attempts, and survive an error answer.
    await session.commit()
    await session.refresh(user, ["failed_logins", "last_failed_at", "locked_until"])
    if counted.rowcount != 1:  # type: ignore[attr-defined]
        raise _locked(user)  # locked by an attempt that came in meanwhile


async def logout(session: AsyncSession, principal: Principal) -> None:
    if principal.via == "session":
        sess = await SessionRepository(session).get(principal.credential_id)
        if sess is not None:
            await SessionRepository(session).delete(sess)


async def create_token(
    session: AsyncSession, principal: Principal, name: str, expires_in_days: int | None
) -> tuple[ApiToken, str]:
    raw = new_token("ko")
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(user_id=principal.user_id, name=name, token_hash=digest(raw), prefix=raw[:10], expires_at=expires)
    await TokenRepository(session).add(token)
    await emit(
        session,
        events.TOKEN_CREATED,
        events.TokenEvent(id=token.id, user_id=token.user_id, name=name),
        subject_id=token.id,
    )
    return token, raw


async def revoke_token(session: AsyncSession, principal: Principal, token_id: str) -> ApiToken:
    token = await TokenRepository(session).get(token_id)
    if token is None or (token.user_id != principal.user_id and not principal.is_admin):
        raise NotFound("No such API token.", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        await emit(
            session,
            events.TOKEN_REVOKED,
            events.TokenEvent(id=token.id, user_id=token.user_id, name=token.name),
            subject_id=token.id,
        )
    return token


async def bootstrap(db: Database, settings: GatewaySettings) -> None:
    """First start: create `admin` and the `default` project if there are no users yet."""
    async with db.transaction() as session:
        users = UserRepository(session)
        if await users.count() > 0:
            return
        given = settings.admin_password.get_secret_value() if settings.admin_password else None
        password = given or generate_password()
        admin = User(
            username="admin", display_name="Administrator", password_hash=hash_password(password), is_admin=True
        )
        project = Project(name="default", description="Created at first start.")
        session.add_all([admin, project])
        try:
            await session.flush()
        except IntegrityError:  # another replica bootstrapped at the same moment
            await session.rollback()
            return
        await emit(
            session,
            events.USER_CREATED,
            events.UserEvent(id=admin.id, username="admin", is_admin=True, is_active=True),
            subject_id=admin.id,
        )
        await emit(
            session,
            events.PROJECT_CREATED,
            events.ProjectEvent(id=project.id, name=project.name),
            subject_id=project.id,
            project_id=project.id,
        )
    if given:
        log.info("first start: user admin created with the password from KO_ADMIN_PASSWORD")
        return
    path = settings.data_dir / "initial-admin-password"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, (password + "\n").encode())
    finally:
        os.close(fd)
    os.chmod(path, 0o600)
    # Printed once on stdout (not through the logs), and kept in a 0600 file.
    print(f"\n  First start: user `admin` created with password: {password}\n  (also written to {path})\n", flush=True)
    log.info("first start: user admin created; its generated password is in %s", path)


def membership(project_id: str, user_id: str, role: str) -> Membership:
    return Membership(project_id=project_id, user_id=user_id, role=role)
