"""Who is calling: resolved from the session cookie or a bearer token on every request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import Depends, Request

from ko_common.db import SessionDep, utcnow
from ko_common.errors import Forbidden, Unauthorized
from ko_common.identity import Identity
from ko_gateway.auth.passwords import digest
from ko_gateway.auth.repository import SessionRepository, TokenRepository, UserRepository

SESSION_COOKIE = "ko_session"
CSRF_COOKIE = "ko_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class Principal:
    user_id: str
    username: str
    is_admin: bool
    via: Literal["session", "token"]
    credential_id: str
    memberships: dict[str, str] = field(default_factory=dict)

    @property
    def identity(self) -> Identity:
        return Identity(self.user_id, self.username, self.is_admin, dict(self.memberships))


async def resolve(request: Request, session: SessionDep) -> Principal | None:
    """The caller, or None when the request carries no credentials at all."""
    auth = request.headers.get("authorization", "")
    now = utcnow()
    users = UserRepository(session)
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("The Authorization header must be `Bearer <token>`.")
        api_token = await TokenRepository(session).by_hash(digest(token.strip()))
        if api_token is None or api_token.revoked_at is not None:
            raise Unauthorized("The API token is unknown or revoked: create a new one in the console or API.")
        if api_token.expires_at is not None and api_token.expires_at < now:
            raise Unauthorized("The API token has expired: create a new one.")
        if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
            api_token.last_used_at = now
        user = await users.get(api_token.user_id)
        via: Literal["session", "token"] = "token"
        cred_id = api_token.id
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        sess = await SessionRepository(session).by_hash(digest(cookie))
        if sess is None or sess.expires_at < now:
            raise Unauthorized("Your session has expired: log in again.")
        if request.method not in SAFE_METHODS:
            csrf = request.headers.get(CSRF_HEADER, "")
            if not csrf or digest(csrf) != sess.csrf_hash:
                raise Forbidden(f"Missing or wrong {CSRF_HEADER} header: send the csrf_token returned at login.")
        user = await users.get(sess.user_id)
        via = "session"
        cred_id = sess.id
    if user is None or not user.is_active:
        raise Unauthorized("This account is disabled: ask an administrator.")
    memberships = {pid: role for pid, _, role in await users.memberships(user.id)}
    principal = Principal(user.id, user.username, user.is_admin, via, cred_id, memberships)
    request.state.principal = principal
    return principal


async def _optional(request: Request, session: SessionDep) -> Principal | None:
    return await resolve(request, session)


async def _required(request: Request, session: SessionDep) -> Principal:
    principal = await resolve(request, session)
    if principal is None:
        raise Unauthorized("Not logged in: log in, or send `Authorization: Bearer <token>`.")
    return principal


async def _admin(principal: Annotated[Principal, Depends(_required)]) -> Principal:
    if not principal.is_admin:
        raise Forbidden("Only an administrator may do this.")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(_optional)]
CurrentPrincipal = Annotated[Principal, Depends(_required)]
AdminPrincipal = Annotated[Principal, Depends(_admin)]
