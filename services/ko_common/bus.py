"""The event bus on NATS JetStream: streams, the outbox relay and durable consumers.

Delivery guarantee: an event is in the outbox iff its transaction committed; the
relay publishes with ``Nats-Msg-Id`` = event id (JetStream drops a republish
inside the duplicate window) and deletes the row only after the server acked;
consumers record handled event ids in the same transaction as their effect, so
a redelivered or republished event is applied once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database, utcnow
from ko_common.events import Envelope
from ko_common.logging import log_fields, trace_id_var

log = logging.getLogger(__name__)

DAY = 24 * 3600
DOMAINS = ("gateway", "inventory", "provisioning", "deployment", "observability", "backup")


def stream_configs(replicas: int = 1, events_max_age_days: int = 7) -> list[StreamConfig]:
    return [
        StreamConfig(
            name="KO_EVENTS",
            description="KubeOperator domain events (ko.<domain>.<entity>.<verb>)",
            # Exactly <domain>.<entity>.<verb>: every service's operation events (one token more) belong
            # to KO_OPERATION_EVENTS, and streams may not overlap.
            subjects=[f"ko.{domain}.*.*" for domain in DOMAINS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=float(events_max_age_days * DAY),
            duplicate_window=120.0,
            num_replicas=replicas,
        ),
        StreamConfig(
            name="KO_OPERATION_EVENTS",
            description="Per-operation task events of every service (ko.<service>.operation.<id>.event)",
            subjects=[f"ko.{domain}.operation.*.event" for domain in DOMAINS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=float(30 * DAY),
            duplicate_window=120.0,
            num_replicas=replicas,
        ),
        StreamConfig(
            name="KO_JOBS",
            description="Job requests, each delivered to one worker (ko.jobs.<service>.<kind>)",
            subjects=["ko.jobs.>"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            duplicate_window=120.0,
            num_replicas=replicas,
        ),
    ]


class EventBus:
    def __init__(self, servers: str, name: str, replicas: int = 1, events_max_age_days: int = 7) -> None:
        self.servers = [s.strip() for s in servers.split(",") if s.strip()]
        self.name = name
        self.replicas = replicas
        self.events_max_age_days = events_max_age_days
        self.nc: NATS | None = None
        self._js: JetStreamContext | None = None
        self.ready = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("not connected to NATS")
        return self._js

    async def connect(self, retry_forever: bool = True) -> None:
        """Connect (retrying while NATS is not up yet) and ensure the streams exist."""
        delay = 0.2
        while True:
            try:
                self.nc = await nats.connect(
                    servers=self.servers,
                    name=self.name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    connect_timeout=2,
                    drain_timeout=3,
                    allow_reconnect=True,
                    error_cb=self._on_error,
                    disconnected_cb=self._on_disconnect,
                    reconnected_cb=self._on_reconnect,
                )
                break
            except Exception as exc:
                if not retry_forever:
                    raise
                log.warning("NATS not reachable yet (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self._js = self.nc.jetstream()
        await self.ensure_streams()
        self.ready.set()

    async def _on_error(self, exc: Exception) -> None:
        log.warning("NATS: %s", type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}")

    async def _on_disconnect(self) -> None:
        log.warning("NATS: disconnected, reconnecting")

    async def _on_reconnect(self) -> None:
        log.info("NATS: reconnected")

    async def ensure_streams(self) -> None:
        for cfg in stream_configs(self.replicas, self.events_max_age_days):
            assert cfg.name is not None
            try:
                await self.js.stream_info(cfg.name)
                await self.js.update_stream(cfg)
            except NotFoundError:
                try:
                    await self.js.add_stream(cfg)
                except BadRequestError:
                    # Another replica created it between our two calls.
                    await self.js.update_stream(cfg)

    async def publish(self, subject: str, payload: bytes, msg_id: str | None = None) -> int:
        headers = {"Nats-Msg-Id": msg_id} if msg_id else None
        ack = await self.js.publish(subject, payload, headers=headers, timeout=5)
        return int(ack.seq)

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            try:
                await self.nc.drain()
            except Exception:  # noqa: BLE001 - closing anyway
                await self.nc.close()


class OutboxRelay:
    """Publishes committed outbox rows, oldest first, then deletes them."""

    def __init__(self, db: Database, bus: EventBus, outbox: Table, batch: int = 100) -> None:
        self.db = db
        self.bus = bus
        self.outbox = outbox
        self.batch = batch
        self._wake = asyncio.Event()
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    async def drain(self) -> int:
        """Publish everything pending; returns how many rows were published."""
        total = 0
        while True:
            async with self.db.transaction() as session:
                rows = (
                    await session.execute(
                        select(self.outbox.c.seq, self.outbox.c.event_id, self.outbox.c.subject, self.outbox.c.payload)
                        .order_by(self.outbox.c.seq)
                        .limit(self.batch)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                if not rows:
                    return total
                for row in rows:
                    await self.bus.publish(row.subject, row.payload.encode(), msg_id=row.event_id)
                await self._delete(session, [row.seq for row in rows])
            self.published += len(rows)
            total += len(rows)

    async def _delete(self, session: AsyncSession, seqs: list[int]) -> None:
        await session.execute(delete(self.outbox).where(self.outbox.c.seq.in_(seqs)))

    async def run(self, poll_seconds: float = 2.0) -> None:
        await self.bus.ready.wait()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_seconds)
            self._wake.clear()
            if not self.bus.connected:
                continue
            try:
                await self.drain()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - retried on the next round
                log.warning("outbox relay: publish failed, will retry", extra=log_fields(error=type(exc).__name__))
                await asyncio.sleep(1)


Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class ConsumerSpec:
    """A durable JetStream consumer: stream, durable name, subject filter, handler."""

    durable: str
    filter_subject: str
    handler: Handler
    stream: str = "KO_EVENTS"
    deliver_policy: DeliverPolicy = DeliverPolicy.ALL
    max_deliver: int = 5
    ack_wait: float = 30.0
    # A durable unused this long is removed by the server (an abandoned database's
    # consumer, say); one whose handler is idempotent simply replays on return.
    inactive_threshold: float | None = None


class DurableConsumer:
    def __init__(self, bus: EventBus, db: Database, inbox: Table, spec: ConsumerSpec) -> None:
        self.bus = bus
        self.db = db
        self.inbox = inbox
        self.spec = spec
        self.handled = 0
        self.duplicates = 0

    async def subscribe(self) -> JetStreamContext.PullSubscription:
        cfg = ConsumerConfig(
            durable_name=self.spec.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=self.spec.deliver_policy,
            max_deliver=self.spec.max_deliver,
            ack_wait=self.spec.ack_wait,
            filter_subject=self.spec.filter_subject,
            inactive_threshold=self.spec.inactive_threshold,
        )
        return await self.bus.js.pull_subscribe(
            self.spec.filter_subject, durable=self.spec.durable, stream=self.spec.stream, config=cfg
        )

    async def run(self) -> None:
        await self.bus.ready.wait()
        sub = await self.subscribe()
        while True:
            try:
                msgs = await sub.fetch(batch=50, timeout=1)
            except TimeoutError:  # nats' own TimeoutError is one; a slow server can raise the builtin
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - transient NATS trouble
                log.warning("consumer %s: fetch failed (%s)", self.spec.durable, type(exc).__name__)
                await asyncio.sleep(1)
                continue
            for msg in msgs:
                await self.process(msg)

    async def process(self, msg: Msg) -> None:
        try:
            env = Envelope.model_validate_json(msg.data)
        except ValueError:
            log.error("consumer %s: dropping a message that is not an event envelope", self.spec.durable)
            await msg.term()
            return
        token = trace_id_var.set(env.traceid)
        try:
            applied = await self.apply(env)
            if applied:
                self.handled += 1
            else:
                self.duplicates += 1
            await msg.ack()
        except Exception:
            delivered = msg.metadata.num_delivered if msg.metadata else 1
            if delivered >= self.spec.max_deliver:
                log.exception(
                    "consumer %s: giving up on event %s after %d attempts", self.spec.durable, env.id, delivered
                )
                await msg.term()
            else:
                log.warning(
                    "consumer %s: event %s failed, will be redelivered", self.spec.durable, env.id, exc_info=True
                )
                await msg.nak(delay=min(2.0**delivered, 30.0))
        finally:
            trace_id_var.reset(token)

    async def apply(self, env: Envelope) -> bool:
        """Run the handler once per event id; False if this consumer already handled it."""
        try:
            async with self.db.transaction() as session:
                seen = (
                    await session.execute(
                        select(self.inbox.c.event_id).where(
                            self.inbox.c.consumer == self.spec.durable, self.inbox.c.event_id == env.id
                        )
                    )
                ).first()
                if seen:
                    return False
                await self.spec.handler(session, env)
                await session.execute(
                    insert(self.inbox).values(consumer=self.spec.durable, event_id=env.id, processed_at=utcnow())
                )
        except IntegrityError:
            return False  # another replica recorded it first
        return True
