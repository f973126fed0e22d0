"""Callers of the backup service in tests: identities, keys, raw database access."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ko_backup.app import BackupSettings
from ko_common.identity import Identity
from tests.support.procs import Postgres
from tests.support.serve import identity_headers

IDENTITY_KEY = "y" * 32
ADMIN = Identity("u-admin", "admin", is_admin=True)
ALICE = Identity("u-alice", "alice", projects={"p1": "project-manager", "p2": "read-only"})
BOB = Identity("u-bob", "bob", projects={"p3": "project-manager"})
URL = "/api/v1/backup-accounts"
SECRET_FIELDS = {"password", "private_key", "secret_key", "password_enc", "private_key_enc", "secret_key_enc"}


@dataclass
class Backup:
    base: str
    settings: BackupSettings
    database_url: str
    postgres: Postgres | None
    client: httpx.Client

    def call(self, method: str, path: str, who: Identity | None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers |= identity_headers(who, IDENTITY_KEY.encode(), "backup")
        return self.client.request(method, self.base + path, headers=headers, **kwargs)

    def create(self, body: dict[str, Any], who: Identity = ADMIN) -> dict[str, Any]:
        resp = self.call("POST", URL, who, json=body)
        assert resp.status_code == 201, resp.text
        out: dict[str, Any] = resp.json()
        assert not SECRET_FIELDS & set(out)
        return out

    def refused(self, body: dict[str, Any], field: str, method: str = "POST", path: str = URL) -> str:
        """Send ``body``, expect a 422 naming ``field``, and return the sentence."""
        resp = self.call(method, path, ADMIN, json=body)
        assert resp.status_code == 422, resp.text
        body = resp.json()
        assert {body.get("field")} | {f["field"] for f in body.get("fields", [])} >= {field}, resp.text
        return str(body["detail"])

    def raw_database(self) -> bytes:
        """Everything the database holds for this service, as stored (files or rows as text)."""
        if self.postgres is None:
            path = Path(self.database_url.split("///", 1)[1])
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
            return b"".join(f.read_bytes() for f in files if f.exists())
        dbname = self.database_url.rsplit("/", 1)[1]
        sql = "SELECT t::text FROM backup.backup_accounts t UNION ALL SELECT o::text FROM backup.outbox o"
        return self.postgres.psql(sql, database=dbname).encode()


def ed25519_openssh() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    return pem.decode()


def public_line(private_openssh: str) -> str:
    key = serialization.load_ssh_private_key(private_openssh.encode(), None)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def account_events(nats_url: str, account_id: str, expect: int = 3) -> list[tuple[str, bytes]]:
    """(NATS subject, raw envelope) of every ``ko.backup.account.*`` event about ``account_id``."""
    return asyncio.run(_account_events(nats_url, account_id, expect))


async def _account_events(nats_url: str, account_id: str, expect: int) -> list[tuple[str, bytes]]:
    nc = await nats.connect(nats_url)
    found: list[tuple[str, bytes]] = []
    try:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
        sub = await nc.jetstream().pull_subscribe("ko.backup.account.>", stream="KO_EVENTS", config=config)
        deadline = asyncio.get_running_loop().time() + 15
        while len(found) < expect and asyncio.get_running_loop().time() < deadline:
            try:
                msgs = await sub.fetch(batch=100, timeout=1)
            except NatsTimeout:
                continue
            found += [(m.subject, m.data) for m in msgs if json.loads(m.data)["subject"] == account_id]
    finally:
        await nc.close()
    return found
