"""Callers of the observability service in tests: identities, the served app, raw database access."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ko_common.db import Database
from ko_common.identity import Identity
from ko_observability.app import ObservabilitySettings, create_app
from tests.support.procs import Postgres
from tests.support.serve import identity_headers, served

IDENTITY_KEY = "x" * 32
ADMIN = Identity("u-admin", "admin", is_admin=True)
ALICE = Identity("u-alice", "alice", projects={"p1": "project-manager", "p2": "read-only"})
BOB = Identity("u-bob", "bob", projects={"p3": "project-manager"})
CAROL = Identity("u-carol", "carol", projects={"p1": "read-only"})
URL = "/api/v1/notification-channels"
# Fast enough for tests: retries after ~50 ms, rate limits counted over a 1 s window, pending work found at once.
FAST = {
    "notify_backoff_seconds": 0.05,
    "notify_backoff_max_seconds": 0.2,
    "notify_rate_window_seconds": 1.0,
    "notify_poll_seconds": 0.05,
    "notify_timeout_seconds": 5.0,
}


@dataclass
class Observability:
    base: str
    settings: ObservabilitySettings
    database_url: str
    postgres: Postgres | None
    client: httpx.Client

    def call(self, method: str, path: str, who: Identity | None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers |= identity_headers(who, IDENTITY_KEY.encode(), "observability")
        return self.client.request(method, self.base + path, headers=headers, **kwargs)

    def create(self, body: dict[str, Any], who: Identity = ALICE) -> dict[str, Any]:
        resp = self.call("POST", URL, who, json=body)
        assert resp.status_code == 201, resp.text
        out: dict[str, Any] = resp.json()
        return out

    def database(self) -> Database:
        return Database(self.database_url, "observability")

    def raw_database(self) -> bytes:
        """Everything the database holds for this service, as stored (files or rows as text)."""
        if self.postgres is None:
            path = Path(self.database_url.split("///", 1)[1])
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
            return b"".join(f.read_bytes() for f in files if f.exists())
        dbname = self.database_url.rsplit("/", 1)[1]
        sql = (
            "SELECT t::text FROM observability.notification_channels t "
            "UNION ALL SELECT d::text FROM observability.notification_deliveries d "
            "UNION ALL SELECT o::text FROM observability.outbox o"
        )
        return self.postgres.psql(sql, database=dbname).encode()


def settings_for(tmp_path: Path, database_url: str, nats_url: str, **overrides: Any) -> ObservabilitySettings:
    values: dict[str, Any] = {
        **FAST,
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "nats_url": nats_url,
        "identity_key": IDENTITY_KEY,
        "secret_key": base64.b64encode(os.urandom(32)).decode(),
    }
    return ObservabilitySettings(**(values | overrides))


@contextmanager
def serve(settings: ObservabilitySettings, postgres: Postgres | None = None) -> Iterator[Observability]:
    with served(create_app(settings)) as base, httpx.Client(timeout=30, trust_env=False) as client:
        yield Observability(base, settings, settings.resolved_database_url, postgres, client)


def fields(resp: httpx.Response) -> set[str]:
    """Fields an error response names, whichever of the two error shapes it has."""
    body = resp.json()
    named = {f["field"] for f in body.get("fields", [])}
    if body.get("field"):
        named.add(body["field"])
    return named


def dingtalk_body(url: str, secret: str | None = None, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"url": url} | ({"secret": secret} if secret else {})
    return {"project_id": "p1", "name": "ops-dingtalk", "kind": "dingtalk", "config": config} | extra
