"""Inventory learns the gateway's projects from NATS and refuses credentials in a project that does not exist."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ko_common import migrations
from ko_common.bus import DurableConsumer, EventBus
from ko_common.db import Database
from ko_common.identity import Identity
from ko_inventory.models import INBOX
from ko_inventory.projects.consumer import CONSUMER, consumer_for, on_project_event
from ko_inventory.projects.models import KnownProject
from ko_inventory.projects.repository import ProjectRepository
from tests.inventory.support import ADMIN, Inventory, announce, project_event, wait_known
from tests.support.procs import NatsServer

URL = "/api/v1/credentials"
MIGRATIONS = Path(__file__).parents[2] / "services" / "ko_inventory" / "migrations"


@pytest.fixture
async def db(database_url: str) -> Database:
    database = Database(database_url, "inventory")
    await migrations.upgrade(database, MIGRATIONS)
    yield database  # type: ignore[misc]
    await database.dispose()


async def _rows(db: Database) -> dict[str, tuple[str, bool]]:
    async with db.transaction() as session:
        rows = (await session.execute(select(KnownProject))).scalars().all()
        return {p.id: (p.name, p.deleted) for p in rows}


def _body(project_id: str, name: str = "cred") -> dict[str, str]:
    return {
        "project_id": project_id,
        "name": name,
        "username": "root",
        "auth_type": "password",
        "password": "Pw-1234567",
    }


async def test_the_handler_is_idempotent_and_tolerates_late_events(db: Database) -> None:
    created = project_event("created", "pa", "alpha")
    renamed = project_event("updated", "pa", "beta")
    stale = created.model_copy(update={"id": "stale", "time": created.time - timedelta(seconds=5)})
    for env in (created, renamed, renamed, stale):  # a repeat and an older event change nothing
        async with db.transaction() as session:
            await on_project_event(session, env)
    assert await _rows(db) == {"pa": ("beta", False)}

    # Deleted before its created arrives (another replica was faster): it stays deleted.
    gone_created, gone_deleted = project_event("created", "pb"), project_event("deleted", "pb")
    for env in (gone_deleted, gone_created, project_event("updated", "pb"), gone_deleted):
        async with db.transaction() as session:
            await on_project_event(session, env)
    rows = await _rows(db)
    assert rows["pb"][1] is True
    async with db.transaction() as session:
        repo = ProjectRepository(session)
        assert (await repo.exists("pa"), await repo.exists("pb"), await repo.exists("pc")) == (True, False, False)
        # An event type inventory does not know (a future version) is skipped, not retried forever.
        await on_project_event(session, project_event("archived", "pc"))
    assert "pc" not in await _rows(db)


async def test_the_durable_consumer_replays_the_stream_from_its_start(db: Database, nats_server: NatsServer) -> None:
    a, b = f"pa-{uuid.uuid4().hex[:6]}", f"pb-{uuid.uuid4().hex[:6]}"
    bus = EventBus(nats_server.url, "inventory-test")
    await bus.connect(retry_forever=False)  # makes sure the streams exist
    # Announced before the consumer exists: deliver policy ALL still brings them.
    await announce(nats_server.url, "created", a, b)
    spec = dataclasses.replace(CONSUMER, durable=f"inventory-projects-{uuid.uuid4().hex[:8]}")
    consumer = DurableConsumer(bus, db, INBOX, spec)
    task = asyncio.create_task(consumer.run())
    try:
        await wait_known(db.url, (a, b))
        (deleted,) = await announce(nats_server.url, "deleted", b)
        await wait_known(db.url, (b,), known=False)
        # The same event delivered again (republished without a message id) is applied once.
        await bus.publish("ko.gateway.project.deleted", deleted.model_dump_json().encode())
        await asyncio.sleep(1.5)
        assert consumer.duplicates >= 1
        rows = await _rows(db)
        assert rows[a] == (f"name-of-{a}", False) and rows[b][1] is True
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.js.delete_consumer("KO_EVENTS", spec.durable)
        await bus.close()


def test_a_credential_in_a_project_that_does_not_exist_is_refused(inventory: Inventory) -> None:
    start = time.monotonic()
    resp = inventory.call("POST", URL, ADMIN, json=_body("no-such-project"))
    waited = time.monotonic() - start
    assert resp.status_code == 422, resp.text
    body = resp.json()
    assert (body["error"], body["field"]) == ("validation_error", "project_id")
    assert body["detail"] == "No project no-such-project: create it first (or wait a moment if you just did)."
    assert 1.5 < waited < 10  # it waited for a project that might just have been created
    assert inventory.call("GET", URL, ADMIN).json()["total"] == 0


async def test_a_project_announced_while_the_request_waits_is_accepted(inventory: Inventory) -> None:
    fresh = f"p-{uuid.uuid4().hex[:8]}"

    async def announce_soon() -> None:
        await asyncio.sleep(0.5)
        await announce(inventory.settings.nats_url, "created", fresh)

    later = asyncio.create_task(announce_soon())
    resp = await asyncio.to_thread(inventory.call, "POST", URL, ADMIN, json=_body(fresh))
    await later
    assert resp.status_code == 201, resp.text
    assert resp.json()["project_id"] == fresh


async def test_a_deleted_project_takes_no_new_credentials(inventory: Inventory) -> None:
    # A project id of its own: ids are never reused, and the stream outlives this test's database.
    doomed = f"p-{uuid.uuid4().hex[:8]}"
    manager = Identity("u-dora", "dora", projects={doomed: "project-manager"})
    await announce(inventory.settings.nats_url, "created", doomed)
    await wait_known(inventory.settings.resolved_database_url, (doomed,))
    made = inventory.call("POST", URL, manager, json=_body(doomed)).json()
    usage = inventory.call("GET", f"/internal/projects/{doomed}/usage", ADMIN)
    assert usage.status_code == 200 and {k: n for k, n in usage.json().items() if n} == {"credentials": 1}

    await announce(inventory.settings.nats_url, "deleted", doomed)
    await wait_known(inventory.settings.resolved_database_url, (doomed,), known=False)
    refused = await asyncio.to_thread(inventory.call, "POST", URL, manager, json=_body(doomed, "other"))
    assert refused.status_code == 422 and refused.json()["field"] == "project_id", refused.text
    changed = await asyncio.to_thread(
        inventory.call, "PATCH", f"{URL}/{made['id']}", manager, json={"description": "x"}
    )
    assert changed.status_code == 422 and changed.json()["field"] == "project_id", changed.text
    # What is left can still be read and removed.
    assert inventory.call("GET", f"{URL}/{made['id']}", manager).status_code == 200
    assert inventory.call("DELETE", f"{URL}/{made['id']}", manager).status_code == 204


def test_each_database_has_a_durable_consumer_of_its_own() -> None:
    """Replicas on one database share the consumer; another database on the same NATS does not steal its events."""
    pg = "postgresql+asyncpg://ko:{}@db.example:5432/kubeoperator"
    same = {consumer_for(pg.format(pw)).durable for pw in ("one-password", "rotated-password")}
    assert len(same) == 1
    others = {
        consumer_for(url).durable
        for url in (pg.format("x").replace("kubeoperator", "other"), "sqlite+aiosqlite:///a.db")
    }
    assert len(same | others) == 3
    assert all(d.startswith("inventory-projects-") for d in same | others)
