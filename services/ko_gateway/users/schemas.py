"""Bodies of user administration."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from ko_gateway.auth.schemas import USERNAME_PATTERN, check_password_strength


class UserCreate(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN, description="Letters, digits, `.`, `_`, `-`; up to 64.")
    password: str
    display_name: str = Field("", max_length=128)
    email: str = Field("", max_length=255)
    is_admin: bool = False
    language: str = Field("", pattern=r"^(|en|zh)$")

    _strength = field_validator("password")(check_password_strength)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and ("@" not in value or value.startswith("@") or value.endswith("@")):
            raise ValueError("is not an e-mail address (expected name@domain)")
        return value


class UserUpdate(BaseModel):
    display_name: str | None = Field(None, max_length=128)
    email: str | None = Field(None, max_length=255)
    is_admin: bool | None = None
    is_active: bool | None = None
    language: str | None = Field(None, pattern=r"^(|en|zh)$")
    password: str | None = Field(None, description="Set a new password (admin reset).")

    @field_validator("password")
    @classmethod
    def _strength(cls, value: str | None) -> str | None:
        return None if value is None else check_password_strength(value)

    _email = field_validator("email")(UserCreate._email.__func__)  # type: ignore[attr-defined]
