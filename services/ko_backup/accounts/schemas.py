"""Backup accounts in and out of the API, and the event payload. No output model carries a secret.

One flat model for every kind: the service says, all at once, which fields a kind needs and
which it does not use (``fields_problems``), naming each field as the request spells it.
"""

from __future__ import annotations

import posixpath
import re
from datetime import datetime
from typing import Annotated, Literal

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from ko_backup.accounts.models import BackupAccount
from ko_backup.storage.sftp import check_private_key, parse_host_key

Kind = Literal["local", "sftp", "s3"]
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
_PROJECT = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]{1,255}")
_REGION = re.compile(r"[a-z0-9-]{1,64}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_MAX_SECRET = 16384

# Fields each kind uses, and those it cannot do without; the rest of the model is name, description, projects.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "local": ("directory",),
    "sftp": ("host", "port", "username", "password", "private_key", "directory", "host_key"),
    "s3": ("endpoint", "region", "bucket", "access_key", "secret_key", "path_style", "verify_tls"),
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "local": ("directory",),
    "sftp": ("host", "username", "directory", "host_key"),
    "s3": ("endpoint", "bucket", "access_key", "secret_key"),
}
SECRETS = ("password", "private_key", "secret_key")


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("use 1 to 64 letters, digits, '.', '_' or '-' (no spaces), e.g. nightly-s3")
    return value


def _directory(value: str) -> str:
    if not value.startswith("/") or "\x00" in value or len(value) > 1024:
        raise ValueError("must be an absolute path (from /), e.g. /var/backups/kubeoperator")
    if ".." in value.split("/"):
        raise ValueError("must not contain '..': give the directory itself")
    return posixpath.normpath(value)


def _host(value: str) -> str:
    if not _HOST.fullmatch(value):
        raise ValueError("give a host name or IP address, e.g. backup.example.com or 192.0.2.10")
    return value


def _login(value: str) -> str:
    if not value or len(value) > 255 or any(c.isspace() or not c.isprintable() for c in value):
        raise ValueError("must be 1 to 255 characters, without spaces or control characters")
    return value


def _endpoint(value: str) -> str:
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise ValueError("is not a URL: give e.g. https://s3.example.com:9000") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("must be an http:// or https:// URL with a host, e.g. https://s3.example.com:9000")
    if url.userinfo or url.query or url.fragment or url.path not in ("", "/"):
        raise ValueError("must be the endpoint only (scheme, host, port): put the bucket in `bucket`")
    return str(url).rstrip("/")


def _region(value: str) -> str:
    if not _REGION.fullmatch(value):
        raise ValueError("use lower-case letters, digits and '-', e.g. us-east-1")
    return value


def _bucket(value: str) -> str:
    if not _BUCKET.fullmatch(value) or ".." in value:
        raise ValueError("is not an S3 bucket name: 3 to 63 lower-case letters, digits, '.' and '-'")
    return value


def _host_key(value: str) -> str:
    return parse_host_key(value)[0]


def _projects(value: list[str]) -> list[str]:
    bad = [p for p in value if not _PROJECT.fullmatch(p)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a project id")
    return sorted(set(value))


def _secret(value: SecretStr | None) -> SecretStr | None:
    if value is not None and len(value.get_secret_value()) > _MAX_SECRET:
        raise ValueError(f"is longer than {_MAX_SECRET} characters: paste only the one value")
    return value


def _private_key(value: SecretStr | None) -> SecretStr | None:
    if value is not None and value.get_secret_value():
        check_private_key(value.get_secret_value())
    return value


Name = Annotated[str, AfterValidator(_name)]
Description = Annotated[str, Field(max_length=512)]
Directory = Annotated[str, AfterValidator(_directory)]
Host = Annotated[str, AfterValidator(_host)]
Login = Annotated[str, AfterValidator(_login)]
Port = Annotated[int, Field(ge=1, le=65535)]
Endpoint = Annotated[str, AfterValidator(_endpoint)]
Region = Annotated[str, AfterValidator(_region)]
Bucket = Annotated[str, AfterValidator(_bucket)]
HostKey = Annotated[
    str,
    Field(max_length=16384, description="The server's public host key: a known_hosts line or a .pub file's line."),
    AfterValidator(_host_key),
]
Secret = Annotated[SecretStr | None, AfterValidator(_secret)]
PrivateKey = Annotated[SecretStr | None, AfterValidator(_secret), AfterValidator(_private_key)]
ProjectIds = Annotated[
    list[str],
    Field(max_length=500, description="Projects whose members may list this account and back up to it."),
    AfterValidator(_projects),
]


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    directory: Directory | None = Field(None, description="local, sftp: absolute directory the backups go to.")
    host: Host | None = Field(None, description="sftp: the server's name or address.")
    port: Port | None = Field(None, description="sftp: SSH port (22 when left out).")
    username: Login | None = Field(None, description="sftp: the login.")
    password: Secret = Field(None, description="sftp: the login's password (or give private_key).")
    private_key: PrivateKey = Field(None, description="sftp: an OpenSSH or PEM private key without passphrase.")
    host_key: HostKey | None = Field(None, description="sftp: required; a server presenting another key is refused.")
    endpoint: Endpoint | None = Field(None, description="s3: the service URL, e.g. https://s3.example.com:9000.")
    region: Region | None = Field(None, description="s3: the bucket's region (us-east-1 when left out).")
    bucket: Bucket | None = None
    access_key: Login | None = Field(None, description="s3: the access key id (not secret; shown).")
    secret_key: Secret = Field(None, description="s3: the secret access key.")
    path_style: bool | None = Field(None, description="s3: bucket in the path, not the host name (default true).")
    verify_tls: bool | None = Field(None, description="s3: check the endpoint's TLS certificate (default true).")


class BackupAccountCreate(_Fields):
    name: Name
    description: Description = ""
    kind: Kind
    project_ids: ProjectIds = Field(default_factory=list)


class BackupAccountUpdate(_Fields):
    """Absent fields keep their value; the kind cannot change. A new password replaces a private key and
    the other way round. Changing any storage setting tests the account again."""

    name: Name | None = None
    description: Description | None = None
    project_ids: ProjectIds | None = None


class BackupAccountOut(BaseModel):
    id: str
    name: str
    description: str
    kind: Kind
    project_ids: list[str] = Field(description="Projects it is shared with (to a non-admin: only theirs).")
    directory: str | None
    host: str | None
    port: int | None
    username: str | None
    host_key: str | None
    host_key_fingerprint: str | None = Field(description="SHA256 fingerprint, as `ssh-keygen -l` shows it.")
    has_password: bool
    has_private_key: bool
    endpoint: str | None
    region: str | None
    bucket: str | None
    access_key: str | None
    has_secret_key: bool
    path_style: bool | None
    verify_tls: bool | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, a: BackupAccount, project_ids: list[str]) -> BackupAccountOut:
        plain = {
            name: getattr(a, name)
            for name in cls.model_fields
            if name not in ("project_ids", "has_password", "has_private_key", "has_secret_key")
        }
        return cls.model_validate(
            plain
            | {
                "project_ids": project_ids,
                "has_password": a.password_enc is not None,
                "has_private_key": a.private_key_enc is not None,
                "has_secret_key": a.secret_key_enc is not None,
            }
        )


class AccountTestResult(BaseModel):
    ok: bool
    detail: str
    duration_ms: float


class BackupAccountEvent(BaseModel):
    """An account as events describe it: where it points, never a secret."""

    id: str
    name: str
    kind: Kind
    project_ids: list[str]

    @classmethod
    def of(cls, a: BackupAccount, project_ids: list[str]) -> BackupAccountEvent:
        return cls(id=a.id, name=a.name, kind=a.kind, project_ids=project_ids)  # type: ignore[arg-type]
