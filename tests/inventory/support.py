"""Callers of the inventory service in tests: identities, keys, raw database access."""

from __future__ import annotations

import asyncio
import functools
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from ko_common.db import Database, new_id
from ko_common.events import Envelope
from ko_common.identity import Identity
from ko_inventory.app import InventorySettings
from ko_inventory.projects.repository import ProjectRepository
from tests.support.procs import Postgres
from tests.support.serve import identity_headers

IDENTITY_KEY = "x" * 32
ADMIN = Identity("u-admin", "admin", is_admin=True)
ALICE = Identity("u-alice", "alice", projects={"p1": "project-manager", "p2": "read-only"})
BOB = Identity("u-bob", "bob", projects={"p3": "project-manager"})
CAROL = Identity("u-carol", "carol", projects={"p1": "read-only"})
# The projects the identities above belong to, announced to inventory as the gateway would.
PROJECTS = ("p1", "p2", "p3")


@dataclass
class Inventory:
    base: str
    settings: InventorySettings
    database_url: str
    postgres: Postgres | None
    client: httpx.Client

    def call(self, method: str, path: str, who: Identity | None, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers |= identity_headers(who, IDENTITY_KEY.encode(), "inventory")
        return self.client.request(method, self.base + path, headers=headers, **kwargs)

    def raw_database(self) -> bytes:
        """Everything the database holds for this service, as stored (files or rows as text)."""
        if self.postgres is None:
            path = Path(self.database_url.split("///", 1)[1])
            files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")]
            return b"".join(f.read_bytes() for f in files if f.exists())
        dbname = self.database_url.rsplit("/", 1)[1]
        sql = "SELECT t::text FROM inventory.credentials t UNION ALL SELECT o::text FROM inventory.outbox o"
        return self.postgres.psql(sql, database=dbname).encode()


def project_event(verb: str, project_id: str, name: str | None = None) -> Envelope:
    """A ``ko.gateway.project.<verb>`` event as the gateway publishes it."""
    return Envelope(
        id=new_id(),
        source="ko/gateway",
        type=f"kubeoperator.gateway.project.{verb}.v1",
        time=datetime.now(UTC),
        subject=project_id,
        projectid=project_id,
        data={"id": project_id, "name": name or f"name-of-{project_id}"},
    )


async def announce(nats_url: str, verb: str, *project_ids: str) -> list[Envelope]:
    """Publish ``ko.gateway.project.<verb>`` for each project on KO_EVENTS."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sent = [project_event(verb, pid) for pid in project_ids]
        for env in sent:
            await js.publish(f"ko.gateway.project.{verb}", env.model_dump_json().encode(), timeout=5)
        return sent
    finally:
        await nc.close()


async def wait_known(database_url: str, project_ids: tuple[str, ...], known: bool = True, timeout: float = 15) -> None:
    """Wait until inventory's own table says each project exists (or, ``known=False``, does not)."""
    db = Database(database_url, "inventory")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            async with db.transaction() as session:
                repo = ProjectRepository(session)
                states = [await repo.exists(pid) for pid in project_ids]
            if all(state is known for state in states):
                return
            if loop.time() > deadline:
                raise TimeoutError(f"inventory did not learn {project_ids} (known={known}): {states}")
            await asyncio.sleep(0.05)
    finally:
        await db.dispose()


def ed25519_openssh() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    return pem.decode()


@functools.cache  # RSA key generation is slow on a busy machine; one key per passphrase will do
def rsa_encrypted_pem(passphrase: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    enc = serialization.BestAvailableEncryption(passphrase.encode())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc).decode()


def ssh_keygen_fingerprint(private_key: str, tmp_path: Path, passphrase: str = "") -> str | None:
    """The fingerprint OpenSSH itself computes, or None where ssh-keygen is not installed."""
    path = tmp_path / "key-for-ssh-keygen"
    path.write_text(private_key)
    path.chmod(0o600)
    try:
        pub = subprocess.run(
            ["ssh-keygen", "-y", "-P", passphrase, "-f", str(path)], check=True, capture_output=True, text=True
        ).stdout
        (tmp_path / "key.pub").write_text(pub)
        out = subprocess.run(
            ["ssh-keygen", "-l", "-f", str(tmp_path / "key.pub")], check=True, capture_output=True, text=True
        )
    except FileNotFoundError:
        return None
    return out.stdout.split()[1]


def fields(resp: httpx.Response) -> set[str]:
    """Fields an error response names, whichever of the two error shapes it has."""
    body = resp.json()
    named = {f["field"] for f in body.get("fields", [])}
    if body.get("field"):
        named.add(body["field"])
    return named
