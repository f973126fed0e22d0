"""The caller identity the gateway forwards to services, signed and short-lived.

The gateway authenticates the user (session cookie or API token), then signs
``{user, admin flag, project roles}`` with the shared identity key for the one
service it calls (JWT, HS256, audience = service, 60 s). A service verifies it
on every request and never trusts an unsigned caller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request

from ko_common.errors import Forbidden, NotFound, Unauthorized

HEADER = "X-KO-Identity"
TTL_SECONDS = 60
ProjectRole = Literal["project-manager", "read-only"]
ROLES: tuple[str, ...] = ("admin", "project-manager", "read-only")


@dataclass(frozen=True)
class Identity:
    user_id: str
    username: str
    is_admin: bool = False
    projects: dict[str, str] = field(default_factory=dict)

    def readable_projects(self) -> set[str] | None:
        """Projects this caller may read; None means every project (admin)."""
        return None if self.is_admin else set(self.projects)

    def can_read(self, project_id: str) -> bool:
        return self.is_admin or project_id in self.projects

    def can_write(self, project_id: str) -> bool:
        return self.is_admin or self.projects.get(project_id) == "project-manager"

    def require_read(self, project_id: str) -> None:
        if not self.can_read(project_id):
            # Same answer as a missing project, so project ids cannot be probed.
            raise NotFound(f"No project {project_id} that you are a member of.", field="project_id")

    def require_write(self, project_id: str) -> None:
        self.require_read(project_id)
        if not self.can_write(project_id):
            raise Forbidden(
                "Your role in this project is read-only: ask a project manager or an admin.",
                field="project_id",
            )

    @property
    def service(self) -> str | None:
        """The calling service, when a service (not a user) signed this identity (see `service_identity`)."""
        return self.user_id.removeprefix(SERVICE_PREFIX) if self.user_id.startswith(SERVICE_PREFIX) else None

    def require_service(self, *names: str) -> None:
        if self.service not in names:
            raise Forbidden(f"Only the {' or '.join(names)} service may call this.")

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("Only an administrator may do this.")


SERVICE_PREFIX = "service:"


def service_identity(name: str) -> Identity:
    """A service acting on its own (a worker resuming an operation), not for a user.

    Not an administrator: it passes only the checks that ask for this service by name.
    """
    return Identity(user_id=SERVICE_PREFIX + name, username=name)


def sign(identity: Identity, key: bytes, audience: str, request_id: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "sub": identity.user_id,
        "name": identity.username,
        "adm": identity.is_admin,
        "prj": identity.projects,
        "aud": audience,
        "iat": now,
        "exp": now + TTL_SECONDS,
        "iss": "ko-gateway",
    }
    if request_id:
        claims["rid"] = request_id
    return jwt.encode(claims, key, algorithm="HS256")


def verify(token: str, key: bytes, audience: str) -> Identity:
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], audience=audience, issuer="ko-gateway", leeway=5)
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("The forwarded identity has expired; retry the request.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The forwarded identity is not valid; call the API through the gateway.") from exc
    return Identity(
        user_id=str(claims["sub"]),
        username=str(claims.get("name", "")),
        is_admin=bool(claims.get("adm", False)),
        projects={str(k): str(v) for k, v in dict(claims.get("prj", {})).items()},
    )


async def current_identity(request: Request) -> Identity:
    token = request.headers.get(HEADER)
    if not token:
        raise Unauthorized("Not authenticated: call the API through the gateway with a session or a token.")
    settings = request.app.state.settings
    return verify(token, request.app.state.identity_key, settings.service)


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


def permission(kind: str) -> dict[str, object]:
    """OpenAPI extra declaring who may call a route; the RBAC matrix test reads it.

    ``public``, ``authenticated``, ``project:read``, ``project:write`` or ``admin``.
    """
    return {"x-ko-permission": kind}
