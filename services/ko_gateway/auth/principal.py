"""Who is calling: resolved from the session cookie or a bearer token on every request."""

from __future__ import annotations

import re
import time
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


class PrincipalCache:
    """Resolved callers for a moment, so a burst of API calls does not re-read the same rows.

    Entries live ``ttl`` seconds and the whole cache is dropped after any
    mutating call to the gateway's own routes (users, projects, tokens,
    sessions), so on this replica a revocation or role change applies to the
    very next request; other replicas see it within ``ttl``.
    """

    def __init__(self, ttl: float = 2.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[float, Principal, str]] = {}

    def get(self, key: str) -> tuple[Principal, str] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, key: str, principal: Principal, csrf_hash: str) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, principal, csrf_hash)

    def clear(self) -> None:
        self._entries.clear()


# POSTs that only read: Grafana's panel queries and Prometheus's form queries, sent by Grafana's own
# page, which knows nothing of our CSRF header. A forged one changes nothing, and another origin cannot
# read its answer, so they need no token; every other unsafe request does.
READ_ONLY_POSTS = re.compile(
    r"/api/v1/clusters/[^/]+/monitoring/(grafana/api/ds/query|prometheus/api/v1/(query|query_range|series|labels))"
)


def _check_csrf(request: Request, csrf_hash: str) -> None:
    if request.method == "POST" and READ_ONLY_POSTS.fullmatch(request.url.path):
        return
    if request.method not in SAFE_METHODS:
        csrf = request.headers.get(CSRF_HEADER, "")
        if not csrf or digest(csrf) != csrf_hash:
            raise Forbidden(f"Missing or wrong {CSRF_HEADER} header: send the csrf_token returned at login.")


async def resolve(request: Request, session: SessionDep, use_cache: bool = True) -> Principal | None:
    """The caller, or None when the request carries no credentials at all."""
    auth = request.headers.get("authorization", "")
    cache: PrincipalCache | None = getattr(request.app.state, "principal_cache", None) if use_cache else None
    raw = auth.partition(" ")[2].strip() if auth else request.cookies.get(SESSION_COOKIE, "")
    key = ("t:" if auth else "s:") + digest(raw) if raw else ""
    hit = cache.get(key) if cache is not None and key else None
    if hit is not None:
        principal, csrf_hash = hit
        if principal.via == "session":
            _check_csrf(request, csrf_hash)
        request.state.principal = principal
        return principal
    now = utcnow()
    csrf_hash = ""
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
        csrf_hash = sess.csrf_hash
        _check_csrf(request, csrf_hash)
        user = await users.get(sess.user_id)
        via = "session"
        cred_id = sess.id
    if user is None or not user.is_active:
        raise Unauthorized("This account is disabled: ask an administrator.")
    memberships = {pid: role for pid, _, role in await users.memberships(user.id)}
    principal = Principal(user.id, user.username, user.is_admin, via, cred_id, memberships)
    request.state.principal = principal
    if cache is not None and key:
        cache.put(key, principal, csrf_hash)
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
