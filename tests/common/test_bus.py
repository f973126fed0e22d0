"""The event bus against a real nats-server and real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from nats.js.api import DeliverPolicy
from pydantic import BaseModel
from sqlalchemy import func, select

from ko_backup.app import create_app as _backup_app  # noqa: F401 - a service whose migrations we reuse
from ko_backup.models import INBOX, OUTBOX
from ko_common import migrations
from ko_common.bus import ConsumerSpec, DurableConsumer, EventBus, OutboxRelay
from ko_common.db import Database
from ko_common.events import Envelope, emit, event_spec
from tests.support.procs import NatsServer

MIGRATIONS = __import__("ko_backup").__path__[0] + "/migrations"


class Ping(BaseModel):
    n: int


PING = event_spec("ko.backup.test.ping", Ping, "Test event of the bus tests.")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, "backup")
    database.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "backup"})
    await migrations.upgrade(database, __import__("pathlib").Path(MIGRATIONS))
    yield database
    await database.dispose()


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[EventBus]:
    b = EventBus(nats_server.url, "test-bus")
    await b.connect(retry_forever=False)
    yield b
    await b.close()


async def pending(db: Database) -> int:
    async with db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(OUTBOX))).scalar_one())


async def test_streams_are_created_idempotently(nats_server: NatsServer) -> None:
    buses = [EventBus(nats_server.url, f"b{i}") for i in range(3)]
    await asyncio.gather(*(b.connect(retry_forever=False) for b in buses))
    await buses[0].ensure_streams()
    names = {info.config.name for info in await buses[0].js.streams_info()}
    assert {"KO_EVENTS", "KO_OPERATION_EVENTS", "KO_JOBS"} <= names
    for b in buses:
        await b.close()


async def test_event_is_published_only_after_commit(db: Database, bus: EventBus) -> None:
    relay = OutboxRelay(db, bus, OUTBOX)
    with pytest.raises(RuntimeError):
        async with db.transaction() as s:
            await emit(s, PING, Ping(n=1), subject_id="rolled-back")
            raise RuntimeError("the change fails")
    assert await pending(db) == 0
    async with db.transaction() as s:
        env = await emit(s, PING, Ping(n=2), subject_id="x", project_id="p1")
    assert await pending(db) == 1
    sub = await bus.js.subscribe("ko.backup.test.ping", ordered_consumer=True, deliver_policy=DeliverPolicy.NEW)
    assert await relay.drain() == 1
    msg = await sub.next_msg(timeout=5)
    got = Envelope.model_validate_json(msg.data)
    assert got.id == env.id and got.type == "kubeoperator.backup.test.ping.v1"
    assert got.projectid == "p1" and got.subject == "x" and got.data == {"n": 2}
    assert await pending(db) == 0
    await sub.unsubscribe()


async def _consume_all(consumer: DurableConsumer, seen: list[Envelope], want: int, timeout: float = 10) -> None:
    sub = await consumer.subscribe()
    deadline = asyncio.get_running_loop().time() + timeout
    while len(seen) < want and asyncio.get_running_loop().time() < deadline:
        try:
            msgs = await sub.fetch(batch=10, timeout=0.5)
        except Exception:
            continue
        for m in msgs:
            await consumer.process(m)
    await asyncio.sleep(0.5)  # let a possible duplicate arrive
    try:
        for m in await sub.fetch(batch=10, timeout=0.5):
            await consumer.process(m)
    except Exception:
        pass


async def test_crash_between_commit_and_publish_delivers_exactly_once(db: Database, nats_server: NatsServer) -> None:
    """The relay dies after commit (before publish), and again after publish (before delete)."""
    durable = "t" + uuid.uuid4().hex[:8]
    marker = uuid.uuid4().hex
    async with db.transaction() as s:
        first = await emit(s, PING, Ping(n=10), subject_id=marker)
        second = await emit(s, PING, Ping(n=11), subject_id=marker)

    # 1st relay: publishes the first row, then "crashes" before deleting anything.
    bus1 = EventBus(nats_server.url, "relay-1")
    await bus1.connect(retry_forever=False)
    relay1 = OutboxRelay(db, bus1, OUTBOX, batch=1)

    async def crash(*_: object) -> None:
        raise ConnectionError("relay killed")

    relay1._delete = crash  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await relay1.drain()
    await bus1.nc.close()  # type: ignore[union-attr]
    assert await pending(db) == 2

    # Restarted relay publishes everything again; JetStream and the consumer dedupe.
    bus2 = EventBus(nats_server.url, "relay-2")
    await bus2.connect(retry_forever=False)
    assert await OutboxRelay(db, bus2, OUTBOX).drain() == 2
    assert await pending(db) == 0

    seen: list[Envelope] = []

    async def handler(_: object, env: Envelope) -> None:
        if env.subject == marker:
            seen.append(env)

    consumer = DurableConsumer(
        bus2, db, INBOX, ConsumerSpec(durable=durable, filter_subject="ko.backup.test.ping", handler=handler)
    )  # type: ignore[arg-type]
    await _consume_all(consumer, seen, want=2)
    assert [e.id for e in seen] == [first.id, second.id]
    await bus2.close()


async def test_consumer_applies_a_redelivered_event_once(db: Database, bus: EventBus) -> None:
    durable = "t" + uuid.uuid4().hex[:8]
    marker = uuid.uuid4().hex
    async with db.transaction() as s:
        env = await emit(s, PING, Ping(n=5), subject_id=marker)
    await OutboxRelay(db, bus, OUTBOX).drain()
    # The same event published again outside the duplicate window's protection (new msg id).
    await bus.publish("ko.backup.test.ping", env.model_dump_json().encode(), msg_id=None)
    applied: list[str] = []

    async def handler(_: object, e: Envelope) -> None:
        if e.subject == marker:
            applied.append(e.id)

    consumer = DurableConsumer(
        bus, db, INBOX, ConsumerSpec(durable=durable, filter_subject="ko.backup.test.ping", handler=handler)
    )  # type: ignore[arg-type]
    await _consume_all(consumer, [], want=0, timeout=2)
    assert applied == [env.id]
    assert consumer.duplicates >= 1


async def test_failed_handler_is_retried_and_its_effect_not_recorded(db: Database, bus: EventBus) -> None:
    durable = "t" + uuid.uuid4().hex[:8]
    marker = uuid.uuid4().hex
    async with db.transaction() as s:
        await emit(s, PING, Ping(n=7), subject_id=marker)
    await OutboxRelay(db, bus, OUTBOX).drain()
    calls: list[int] = []

    async def flaky(_: object, e: Envelope) -> None:
        if e.subject == marker:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("transient")

    consumer = DurableConsumer(
        bus, db, INBOX, ConsumerSpec(durable=durable, filter_subject="ko.backup.test.ping", handler=flaky)
    )  # type: ignore[arg-type]
    sub = await consumer.subscribe()
    deadline = asyncio.get_running_loop().time() + 15
    while len(calls) < 2 and asyncio.get_running_loop().time() < deadline:
        try:
            for m in await sub.fetch(batch=10, timeout=1):
                await consumer.process(m)
        except Exception:
            continue
    assert len(calls) == 2


async def test_durable_consumer_can_expire_when_abandoned(db: Database, bus: EventBus) -> None:
    durable = "t" + uuid.uuid4().hex[:8]

    async def noop(_: object, __: Envelope) -> None:
        return None

    spec = ConsumerSpec(durable=durable, filter_subject="ko.backup.test.ping", handler=noop, inactive_threshold=3600.0)  # type: ignore[arg-type]
    await DurableConsumer(bus, db, INBOX, spec).subscribe()
    info = await bus.js.consumer_info("KO_EVENTS", durable)
    assert info.config.inactive_threshold == 3600.0
