"""Request and response bodies of authentication, users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

USERNAME_PATTERN = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$"


def check_password_strength(value: str) -> str:
    if len(value) < 8:
        raise ValueError("must be at least 8 characters long")
    if len(value) > 256:
        raise ValueError("must be at most 256 characters long")
    if value.strip() != value or not value.strip():
        raise ValueError("must not start or end with spaces")
    return value


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class MembershipOut(BaseModel):
    project_id: str
    project_name: str
    role: Literal["project-manager", "read-only"]


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    username: str
    display_name: str
    email: str
    is_admin: bool
    is_active: bool
    language: str
    locked: bool = False
    created_at: datetime


class MeOut(UserOut):
    memberships: list[MembershipOut]


class LoginOut(BaseModel):
    user: MeOut
    csrf_token: str = Field(description="Send it back in the X-CSRF-Token header on every mutating call.")
    expires_at: datetime


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1)
    new_password: str

    _strength = field_validator("new_password")(check_password_strength)


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[\w .:@-]+$")
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="Omit for a token that does not expire.")


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    user_id: str
    name: str
    prefix: str = Field(description="First characters of the token, to recognise it.")
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The bearer token. Shown once: store it now.")
