"""Helpers of the whole-product tests: people with roles, raw files, NATS, Server-Sent Events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DeliverPolicy

from ko_inventory.hosts.ssh import fingerprint
from tests.support.stack import Stack

API = "/api/v1"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class Person:
    """A user with a bearer client (no CSRF needed) and its password."""

    username: str
    password: str
    id: str
    token: str
    client: httpx.Client


@dataclass
class World:
    """Projects A and B made by an admin; an admin, a project manager and a read-only member of A, an outsider."""

    stack: Stack
    setup: httpx.Client  # the session admin (cookie + CSRF)
    a: str
    b: str
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def admin(self) -> Person:
        return self.people["admin"]

    @property
    def pm(self) -> Person:
        return self.people["pm"]

    @property
    def ro(self) -> Person:
        return self.people["ro"]

    @property
    def outsider(self) -> Person:
        return self.people["outsider"]

    def anonymous(self) -> httpx.Client:
        return self.stack.client()

    def new_user(self, prefix: str = "user", *, is_admin: bool = False) -> tuple[str, str, str]:
        """A user made by the admin: (id, username, password)."""
        username, password = unique(prefix), "Pw-" + uuid.uuid4().hex
        r = self.setup.post(f"{API}/users", json={"username": username, "password": password, "is_admin": is_admin})
        assert r.status_code == 201, r.text
        return r.json()["id"], username, password

    def new_project(self, prefix: str = "prj") -> str:
        r = self.setup.post(f"{API}/projects", json={"name": unique(prefix)})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def set_member(self, project_id: str, user_id: str, role: str) -> None:
        r = self.setup.put(f"{API}/projects/{project_id}/members/{user_id}", json={"role": role})
        assert r.status_code == 200, r.text

    def new_person(self, prefix: str, *, is_admin: bool = False) -> Person:
        user_id, username, password = self.new_user(prefix, is_admin=is_admin)
        token = self.stack.token(username, password)
        return Person(username, password, user_id, token, self.stack.client(token))

    def seed_host(self, project_id: str, credential_id: str, *, pending_key: bool = False) -> str:
        """A host row written straight into inventory's database, as if registered.

        The whole-product tests have no lab hosts; this host is 127.0.0.1 on a port where nothing
        listens, so every check of it reports `unreachable` quickly and nothing leaves the machine.
        """
        import asyncssh
        from sqlalchemy import create_engine
        from sqlalchemy.orm import Session

        from ko_common.db import new_id, utcnow
        from ko_inventory.hosts.models import Host

        def key() -> str:
            return str(asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip())

        recorded, pending = key(), key()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        host_id = new_id()
        host = Host(
            id=host_id, project_id=project_id, name=unique("seeded"), ip="127.0.0.1", port=port,
            credential_id=credential_id, status="ready", status_message="seeded by the test", checked_at=utcnow(),
            host_key=recorded, host_key_fingerprint=fingerprint(recorded),
            pending_host_key=pending if pending_key else None,
            pending_host_key_fingerprint=fingerprint(pending) if pending_key else None,
            facts={"hostname": "seeded"}, facts_at=utcnow(),
        )  # fmt: skip
        engine = create_engine(f"sqlite:///{self.stack.data_dir / 'inventory.db'}")
        try:
            with Session(engine) as session, session.begin():
                session.add(host)
        finally:
            engine.dispose()
        return host_id

    def new_credential(
        self, project_id: str, prefix: str = "cred", client: httpx.Client | None = None
    ) -> dict[str, Any]:
        body = {
            "project_id": project_id,
            "name": unique(prefix),
            "username": "root",
            "auth_type": "password",
            "password": "Cred-" + uuid.uuid4().hex,
        }
        r = (client or self.admin.client).post(f"{API}/credentials", json=body)
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out


def make_world(stack: Stack, setup: httpx.Client) -> World:
    world = World(stack, setup, a="", b="")
    world.a, world.b = world.new_project("a"), world.new_project("b")
    world.people["admin"] = world.new_person("admin2", is_admin=True)
    for role in ("pm", "ro", "outsider"):
        world.people[role] = world.new_person(role)
    world.set_member(world.a, world.pm.id, "project-manager")
    world.set_member(world.a, world.ro.id, "read-only")
    return world


# --- raw storage ---------------------------------------------------------------------------------------


def raw_databases(data_dir: Path) -> dict[str, bytes]:
    """Every SQLite file of every service as stored on disk: the database, its WAL and journal."""
    out = {}
    for path in sorted(data_dir.glob("*.db*")):
        if path.suffix in (".db", ".db-wal", ".db-journal") or path.name.endswith(("-wal", "-journal")):
            out[path.name] = path.read_bytes()
    assert "gateway.db" in out and "inventory.db" in out, sorted(out)
    return out


def query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Read a service's SQLite database (read-only) while the service runs."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return list(con.execute(sql, args).fetchall())
    finally:
        con.close()


# --- NATS ----------------------------------------------------------------------------------------------


async def stream_messages(nats_url: str, until: Any = None, timeout: float = 10.0) -> list[tuple[int, str, bytes]]:
    """Every message of stream KO_EVENTS from the start, read with an ordered consumer: (seq, subject, data).

    Reads until ``until(messages)`` is true (or, without it, to the stream's last sequence), then one more
    second to collect stragglers.
    """
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe("ko.>", stream="KO_EVENTS", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL)
        got: list[tuple[int, str, bytes]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        settle: float | None = None
        while True:
            now = loop.time()
            if settle is None:
                if until is not None:
                    done = until(got)
                else:
                    last = (await js.stream_info("KO_EVENTS")).state.last_seq
                    done = (bool(got) and got[-1][0] >= last) or last == 0
                if done:
                    settle = now + 1.0
                elif now > deadline:
                    break
            elif now > settle:
                break
            try:
                msg = await sub.next_msg(timeout=0.2)
            except (NatsTimeout, TimeoutError):
                continue
            seq = msg.metadata.sequence.stream if msg.metadata else 0
            got.append((seq, msg.subject, msg.data))
        await sub.unsubscribe()
        return got
    finally:
        await nc.close()


def envelopes(messages: list[tuple[int, str, bytes]]) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for seq, _, data in messages:
        with contextlib.suppress(ValueError):
            out.append((seq, json.loads(data)))
    return out


# --- Server-Sent Events --------------------------------------------------------------------------------


class LiveStream:
    """An SSE connection read in a background task; events are dicts with id, event and data (parsed)."""

    def __init__(self, stack: Stack, path: str, token: str | None = None, headers: dict[str, str] | None = None):
        self.url = stack.url + path
        self.headers = dict(headers or {})
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.status: int | None = None
        self.body = b""
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.ready = asyncio.Event()
        self.ended = asyncio.Event()  # the server ended the response
        self._task: asyncio.Task[None] | None = None
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(30.0, read=None))

    async def __aenter__(self) -> LiveStream:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.ready.wait(), 15)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        await self._client.aclose()

    async def _run(self) -> None:
        try:
            async with self._client.stream("GET", self.url, headers=self.headers) as response:
                self.status = response.status_code
                if response.status_code != 200:
                    self.body = await response.aread()
                    return
                current: dict[str, Any] = {}
                async for line in response.aiter_lines():
                    if line.startswith(":"):
                        if "connected" in line:
                            self.ready.set()
                        continue
                    if not line:
                        if "data" in current:
                            with contextlib.suppress(ValueError):
                                current["data"] = json.loads(current["data"])
                            await self.events.put(current)
                        current = {}
                        continue
                    name, _, value = line.partition(":")
                    current[name] = value[1:] if value.startswith(" ") else value
            self.ended.set()
        finally:
            self.ready.set()

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def until(self, predicate: Any, timeout: float = 10.0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The first event matching ``predicate``, and every event received before it."""
        before = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = await self.next(max(0.05, deadline - loop.time()))
            if predicate(event):
                return event, before
            before.append(event)

    def drain(self) -> list[dict[str, Any]]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out


async def sse_status(stack: Stack, path: str, token: str | None = None) -> int:
    """Status of opening an SSE stream; the connection is closed at once."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=15) as client, client.stream("GET", stack.url + path, headers=headers) as r:
        return r.status_code


def fields_named(response: httpx.Response) -> set[str]:
    """The request fields an error response names (``field`` and every ``fields[].field``)."""
    body = response.json()
    named = {str(body["field"])} if body.get("field") else set()
    named |= {str(f["field"]) for f in body.get("fields", [])}
    return named
