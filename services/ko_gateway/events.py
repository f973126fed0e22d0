"""Events the gateway emits (``ko.gateway.*``). Payloads never carry secrets."""

from __future__ import annotations

from pydantic import BaseModel

from ko_common.events import event_spec


class UserEvent(BaseModel):
    id: str
    username: str
    is_admin: bool
    is_active: bool


class ProjectEvent(BaseModel):
    id: str
    name: str


class MemberEvent(BaseModel):
    project_id: str
    user_id: str
    role: str | None


class TokenEvent(BaseModel):
    id: str
    user_id: str
    name: str


USER_CREATED = event_spec("ko.gateway.user.created", UserEvent, "A user was created.")
USER_UPDATED = event_spec("ko.gateway.user.updated", UserEvent, "A user was changed, locked or unlocked.")
USER_DELETED = event_spec("ko.gateway.user.deleted", UserEvent, "A user was deleted.")
PROJECT_CREATED = event_spec("ko.gateway.project.created", ProjectEvent, "A project was created.")
PROJECT_UPDATED = event_spec("ko.gateway.project.updated", ProjectEvent, "A project was renamed or described.")
PROJECT_DELETED = event_spec("ko.gateway.project.deleted", ProjectEvent, "A project was deleted.")
MEMBER_SET = event_spec("ko.gateway.member.set", MemberEvent, "A user was added to a project or changed role.")
MEMBER_REMOVED = event_spec("ko.gateway.member.removed", MemberEvent, "A user was removed from a project.")
TOKEN_CREATED = event_spec(
    "ko.gateway.token.created", TokenEvent, "An API token was created (the token is not included)."
)
TOKEN_REVOKED = event_spec("ko.gateway.token.revoked", TokenEvent, "An API token was revoked.")
