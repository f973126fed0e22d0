"""Credentials in and out of the API, and the event payload. No output model carries a secret."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from ko_inventory.credentials.models import Credential

AuthType = Literal["password", "private_key"]
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MAX_SECRET = 16384  # an RSA-16384 private key in PEM is about 12 KiB


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("use 1 to 64 letters, digits, '.', '_' or '-' (no spaces), e.g. root-key")
    return value


def _check_username(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty: give the SSH login user, e.g. root")
    if len(value) > 255 or any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError("must be at most 255 characters, without spaces or control characters")
    return value


def _check_secret(value: SecretStr | None) -> SecretStr | None:
    if value is not None and len(value.get_secret_value()) > _MAX_SECRET:
        raise ValueError(f"is longer than {_MAX_SECRET} characters: paste only the one value")
    return value


Name = Annotated[str, AfterValidator(_check_name)]
Username = Annotated[str, AfterValidator(_check_username)]
Secret = Annotated[SecretStr | None, AfterValidator(_check_secret)]
Description = Annotated[str, Field(max_length=512)]


class CredentialCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(min_length=1, max_length=64)
    name: Name
    description: Description = ""
    username: Username
    auth_type: AuthType
    password: Secret = Field(None, description="Required for auth_type password.")
    private_key: Secret = Field(None, description="OpenSSH or PEM private key; required for auth_type private_key.")
    passphrase: Secret = Field(None, description="Passphrase of an encrypted private key.")


class CredentialUpdate(BaseModel):
    """Absent fields keep their value; a new private_key without passphrase drops the old one
    unless the new key is encrypted with it."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    username: Username | None = None
    auth_type: AuthType | None = None
    password: Secret = None
    private_key: Secret = None
    passphrase: Secret = None


class CredentialOut(BaseModel):
    id: str
    project_id: str
    name: str
    description: str
    username: str
    auth_type: AuthType
    has_password: bool
    has_private_key: bool
    has_passphrase: bool
    key_fingerprint: str | None = Field(
        description="SHA256 fingerprint of the public key, as `ssh-keygen -l` shows it."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Credential) -> CredentialOut:
        return cls.model_validate(
            {
                "id": c.id,
                "project_id": c.project_id,
                "name": c.name,
                "description": c.description,
                "username": c.username,
                "auth_type": c.auth_type,
                "has_password": c.password_enc is not None,
                "has_private_key": c.private_key_enc is not None,
                "has_passphrase": c.passphrase_enc is not None,
                "key_fingerprint": c.key_fingerprint,
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
        )


class CredentialEvent(BaseModel):
    """A credential as events describe it: never a secret."""

    id: str
    project_id: str
    name: str
    username: str
    auth_type: AuthType

    @classmethod
    def of(cls, c: Credential) -> CredentialEvent:
        return cls.model_validate(
            {"id": c.id, "project_id": c.project_id, "name": c.name, "username": c.username, "auth_type": c.auth_type}
        )
