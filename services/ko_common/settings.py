"""Settings: one pydantic-settings class per service, all variables prefixed ``KO_``.

Outside development a secret must be set explicitly and must not be a
placeholder; in development an unset secret is generated once into a 0600
file in the data directory, so ``make run`` works with no configuration.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "secret",
    "password",
    "placeholder",
    "example",
    "kubeoperator",
    "xxx",
}

# Every service, in the order the launcher starts them is derived from this (gateway last).
SERVICE_PORTS: dict[str, int] = {
    "gateway": 8080,
    "inventory": 8081,
    "provisioning": 8082,
    "deployment": 8083,
    "observability": 8084,
    "backup": 8085,
}
SERVICES: tuple[str, ...] = tuple(SERVICE_PORTS)
ROUTED_SERVICES: tuple[str, ...] = tuple(s for s in SERVICES if s != "gateway")


class Settings(BaseSettings):
    """Settings every service has. Each service subclasses it and sets ``service``."""

    model_config = SettingsConfigDict(env_prefix="KO_", extra="ignore")

    service: str = "gateway"
    env: Literal["development", "test", "production"] = Field(
        "development", description="development generates missing secrets; production refuses them."
    )
    data_dir: Path = Field(Path("./var"), description="SQLite files, key files, the local NATS store.")
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL. Default: sqlite+aiosqlite:///<data_dir>/<service>.db. "
        "A postgresql+asyncpg URL puts this service's tables in a schema named after it.",
    )
    nats_url: str = Field("nats://127.0.0.1:4222", description="Comma-separated NATS server URLs.")
    http_host: str = Field("127.0.0.1", description="Address the HTTP server binds to.")
    http_port: int | None = Field(None, description="HTTP port; default per service (gateway 8080).")
    identity_key: SecretStr | None = Field(
        None, description="Shared key with which the gateway signs the caller identity it forwards."
    )
    log_level: str = Field("INFO", description="Python log level.")
    log_json: bool = Field(True, description="JSON log lines (false: plain text for a terminal).")
    stream_replicas: int = Field(1, description="JetStream replicas for the streams (3 on a NATS cluster).")
    events_max_age_days: int = Field(7, description="How long domain events stay replayable in JetStream.")
    max_body_bytes: int = Field(
        1 << 20,
        ge=1024,
        description="Largest request body (bytes) a JSON route, or any route that is not an upload, takes; larger: "
        "413 payload_too_large, refused from Content-Length before it is read.",
    )
    max_upload_bytes: int = Field(
        4 << 20,
        ge=1024,
        description="Largest file (bytes) an upload route takes (POST /api/v1/hosts/import); the gateway forwards "
        "a non-JSON body up to this size.",
    )

    @property
    def port(self) -> int:
        return self.http_port or SERVICE_PORTS.get(self.service, 8080)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url.replace("{service}", self.service)
        return f"sqlite+aiosqlite:///{self.data_dir.resolve() / (self.service + '.db')}"

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "development":
            return self
        for name in self.secret_fields():
            value = getattr(self, name)
            if value is None:
                raise ValueError(
                    f"KO_{name.upper()} must be set when KO_ENV={self.env}: "
                    "generate one with `openssl rand -base64 32`."
                )
            check_not_placeholder(name, value.get_secret_value())
        return self

    def secret_fields(self) -> list[str]:
        return ["identity_key"]

    def secret(self, name: str) -> bytes:
        """The secret ``name`` as bytes: from its setting, else from (or into) a key file."""
        value: SecretStr | None = getattr(self, name)
        if value is not None:
            return value.get_secret_value().encode()
        return key_file(self.data_dir / f"{name.replace('_', '-')}", 32)


def check_not_placeholder(name: str, raw: str) -> None:
    if raw.strip().lower() in PLACEHOLDERS or len(raw) < 16:
        raise ValueError(
            f"KO_{name.upper()} is a placeholder or shorter than 16 characters: "
            "set a random value, e.g. `openssl rand -base64 32`."
        )


def key_file(path: Path, size: int) -> bytes:
    """Read a key from ``path``, creating it (mode 0600) with ``size`` random bytes if absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        raw = base64.b64encode(secrets.token_bytes(size))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, raw + b"\n")
        finally:
            os.close(fd)
    return path.read_bytes().strip()
