"""Every mutating call through the gateway is recorded (and a kubeconfig download): who, what, when, result.

Bodies are never recorded (they may hold secrets); the path and status are.
The entry is written after the response, in its own transaction, so a failed
call is audited too.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ko_common.db import Database
from ko_gateway.models import AuditEntry

log = logging.getLogger(__name__)
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
OWN_PREFIXES = ("/api/v1/auth", "/api/v1/users", "/api/v1/projects")
AUDITED_READS = ("/kubeconfig",)


def action_of(method: str, path: str) -> str:
    parts = [p for p in path.split("/") if p][2:]  # drop "api", "v1"
    resource = "/".join(p for i, p in enumerate(parts) if i % 2 == 0) or "-"
    return f"{method} {resource}"[:128]


def audited(scope: Scope) -> bool:
    """Mutating calls, and reads that hand out a credential (a cluster's admin kubeconfig)."""
    return scope["method"] in MUTATING or str(scope["path"]).endswith(AUDITED_READS)


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/v1/") or not audited(scope):
            await self.app(scope, receive, send)
            return
        status, request_id = 500, ""

        async def _send(message: Message) -> None:
            nonlocal status, request_id
            if message["type"] == "http.response.start":
                status = message["status"]
                request_id = dict(message.get("headers", [])).get(b"x-request-id", b"").decode()
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            if scope["path"].startswith(OWN_PREFIXES):
                cache = getattr(scope["app"].state, "principal_cache", None)
                if cache is not None:
                    cache.clear()  # users, roles, tokens or sessions may have changed
            await self.record(scope, status, request_id)

    async def record(self, scope: Scope, status: int, request_id: str) -> None:
        state = scope.get("state") or {}
        principal = state.get("principal")
        db: Database | None = getattr(scope["app"].state, "db", None)
        if db is None:
            return
        client = scope.get("client")
        entry = AuditEntry(
            user_id=principal.user_id if principal else None,
            username=(principal.username if principal else state.get("audit_username", ""))[:64],
            method=scope["method"],
            path=scope["path"][:512],
            action=action_of(scope["method"], scope["path"]),
            status_code=status,
            result="success" if status < 400 else "failure",
            source_ip=(client[0] if client else "")[:64],
            request_id=request_id[:64],
        )
        try:
            async with db.transaction() as session:
                session.add(entry)
        except Exception:
            log.exception("could not write the audit entry for %s %s", scope["method"], scope["path"])
