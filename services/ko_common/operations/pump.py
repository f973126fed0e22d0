"""An operation's events: counters, storage in batches, then publication (for any service's engine).

- Events get their counter here, one after the other. A batch is stored (database: the truth) and
  then published on the service's `ko.<service>.operation.<id>.event` with `Nats-Msg-Id =
  <id>:<counter>`.
- A worker resuming an operation continues the counter after the last stored event and first
  republishes what was stored but maybe not published, so counters stay contiguous and no event is
  lost or doubled (JetStream drops a republish inside its duplicate window; readers order and
  deduplicate by counter anyway).
- NATS away: events are stored and published when it is back; `reconcile` at the end makes sure
  the stream holds every stored event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from ko_common.bus import EventBus
from ko_common.db import Database
from ko_common.events import Envelope
from ko_common.operations.channels import OperationChannels
from ko_common.operations.executors import StepEvent
from ko_common.operations.models import OperationTables
from ko_common.operations.repository import OperationRepository
from ko_common.operations.schemas import Failure, OperationEventOut

log = logging.getLogger(__name__)

BATCH = 500
PUBLISH_GRACE_SECONDS = 30.0
PUBLISH_WINDOW = 256  # publishes awaiting their JetStream ack at once
Hint = Callable[[str], "str | None"]


class EventPump:
    """Counters, storage in batches, then publication, for one operation's events."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        tables: OperationTables,
        channels: OperationChannels,
        operation_id: str,
        project_id: str,
        counter: int,
    ) -> None:
        self.db = db
        self.bus = bus
        self.tables = tables
        self.channels = channels
        self.operation_id = operation_id
        self.project_id = project_id
        self.counter = counter
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[tuple[str, StepEvent] | None] = asyncio.Queue()
        self.unpublished: list[OperationEventOut] = []
        self.first_failure: dict[str, StepEvent] = {}
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def threadsafe(self, phase: str) -> Callable[[StepEvent], None]:
        def put(event: StepEvent) -> None:
            self.loop.call_soon_threadsafe(self._put, phase, event)

        return put

    def put_own(self, phase: str, kind: str, status: str, text: str) -> None:
        self._put(
            phase,
            StepEvent(
                kind=kind, status=status, host=None, task=None, play=None, changed=False, duration_ms=None,
                excerpt=text, time=datetime.now(UTC),
            ),
        )  # fmt: skip

    def _put(self, phase: str, event: StepEvent) -> None:
        self._idle.clear()
        if event.kind == "task_result" and event.status in ("failed", "unreachable"):
            known = self.first_failure.get(phase)
            # A host failing again went on past its earlier failure (rescued by a block, or ignored):
            # the later one is what stopped it (e.g. the rescue's explanation of a checksum mismatch).
            if known is None or known.host == event.host:
                self.first_failure[phase] = event
        self.queue.put_nowait((phase, event))

    def failure(self, phase: str, hint_for: Hint) -> Failure | None:
        event = self.first_failure.get(phase)
        if event is None:
            return None
        first_line = next((line.strip() for line in event.excerpt.splitlines() if line.strip()), "")
        what = "cannot be reached" if event.status == "unreachable" else "failed"
        return Failure(
            message=f"Phase {phase}: task “{event.task}” {what} on {event.host}: {first_line[:300]}",
            phase=phase,
            host=event.host,
            task=event.task,
            excerpt=event.excerpt,
            hint=hint_for(event.excerpt),
        )

    async def drain(self) -> None:
        await self._idle.wait()

    async def stop(self) -> None:
        if self._task is None:
            return
        await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        # NATS may be away (restarting): the events are stored; keep trying a while to publish them.
        deadline = self.loop.time() + PUBLISH_GRACE_SECONDS
        await self._publish()
        while self.unpublished and self.loop.time() < deadline:
            await asyncio.sleep(0.5)
            await self._publish()
        if self.unpublished:
            log.warning(
                "operation %s: %d events stored but not published (NATS away); readers back-fill them",
                self.operation_id,
                len(self.unpublished),
            )
            return
        try:
            await self.reconcile()
        except Exception as exc:  # noqa: BLE001 - the store has them; readers back-fill
            log.warning("operation %s: could not check the stream (%s)", self.operation_id, type(exc).__name__)

    async def republish_stored(self) -> None:
        """A resumed operation: publish again what the last worker stored (counters above `published`)."""
        async with self.db.transaction() as session:
            rows = await OperationRepository(session, self.tables).events(
                self.operation_id, max(0, self.counter - BATCH), BATCH
            )
        self.unpublished = [OperationEventOut.of(r) for r in rows]
        await self._publish()

    async def _run(self) -> None:
        while True:
            first = await self.queue.get()
            batch = [first]
            while len(batch) < BATCH and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            items = [b for b in batch if b is not None]
            try:
                await self._store(items)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("operation %s: storing events failed; retrying", self.operation_id)
                for item in items:  # put back in order, then try again shortly
                    self.queue.put_nowait(item)
                await asyncio.sleep(1)
                continue
            await self._publish()
            if self.queue.empty():
                self._idle.set()

    async def _store(self, items: list[tuple[str, StepEvent]]) -> None:
        outs = []
        counter = self.counter
        for phase, ev in items:
            counter += 1
            outs.append(
                OperationEventOut(
                    operation_id=self.operation_id, counter=counter, phase=phase, kind=ev.kind, status=ev.status,
                    host=ev.host, task=ev.task, changed=ev.changed, duration_ms=ev.duration_ms,
                    excerpt=ev.excerpt, time=ev.time,
                )
            )  # fmt: skip
        async with self.db.transaction() as session:
            await OperationRepository(session, self.tables).store_events(
                self.operation_id, [o.model_dump() for o in outs], counter
            )
        self.counter = counter
        self.unpublished.extend(outs)

    async def _publish(self) -> None:
        """Publish what is stored and not yet published, in counter order.

        Plain (core) publishes into the stream's subject with `Nats-Msg-Id`, then one flush per chunk:
        an acknowledged publish per event costs a round trip each and caps a busy operation at a
        few thousand events a second. What a core publish may lose (a connection dropped mid-flight)
        is found and republished, acknowledged, by `reconcile` at the end; readers back-fill gaps
        from the store meanwhile.
        """
        nc = self.bus.nc
        while self.unpublished:
            if nc is None or not self.bus.connected:
                return  # stored; published when NATS is back (next batch, or the operation's end)
            chunk = self.unpublished[:PUBLISH_WINDOW]
            subject = self.channels.task_event.subject_for(self.operation_id)
            try:
                for e in chunk:
                    await nc.publish(
                        subject, self._envelope(e), headers={"Nats-Msg-Id": f"{self.operation_id}:{e.counter}"}
                    )
                await nc.flush(timeout=5)
            except Exception as exc:  # noqa: BLE001 - NATS away: kept, published later
                log.warning("operation %s: publishing events failed (%s)", self.operation_id, type(exc).__name__)
                return
            del self.unpublished[: len(chunk)]

    async def reconcile(self) -> int:
        """Make sure the stream holds every stored event up to the last counter; returns how many were resent."""
        if self.counter == 0 or not self.bus.connected:
            return 0
        subject = self.channels.task_event.subject_for(self.operation_id)
        try:
            msg = await self.bus.js.get_last_msg(self.channels.task_event.stream, subject)
            last = int(Envelope.model_validate_json(msg.data or b"{}").data["counter"])
        except Exception:  # noqa: BLE001 - nothing published yet (or unreadable): resend what the store has
            last = 0
        if last >= self.counter:
            return 0
        resent = 0
        while last < self.counter:
            async with self.db.transaction() as session:
                rows = await OperationRepository(session, self.tables).events(self.operation_id, last, BATCH)
            if not rows:
                break
            for row in rows:
                event = OperationEventOut.of(row)
                await self.bus.publish(subject, self._envelope(event), msg_id=f"{self.operation_id}:{event.counter}")
                resent += 1
            last = rows[-1].counter
        log.info("operation %s: %d events republished to the stream", self.operation_id, resent)
        return resent

    def _envelope(self, event: OperationEventOut) -> bytes:
        return (
            Envelope(
                id=f"{self.operation_id}:{event.counter}",
                source=self.channels.source,
                type=self.channels.task_event.type,
                time=event.time,
                subject=self.operation_id,
                projectid=self.project_id,
                data=event.model_dump(mode="json"),
            )
            .model_dump_json()
            .encode()
        )
