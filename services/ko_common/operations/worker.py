"""The operation worker of any service: takes jobs from the service's JetStream work queue and runs
their phases, each with the executor the phase names.

Durability, in the order things happen:
- A job is a message on KO_JOBS (work queue) that the API queued through the outbox in the same
  transaction as the operation. Every replica pulls from one durable consumer, so each job goes to
  one worker. While it runs, the worker tells JetStream it is still working (`in_progress`) every
  `heartbeat_seconds`; if the worker dies (kill -9), the job is redelivered after `ack_wait_seconds`
  and the next worker resumes at the first phase that has not succeeded. Phases are idempotent
  (playbooks, Terraform applies, steps written so), so re-running the interrupted one is safe.
- Events: see pump.py (counters contiguous across resumes, stored then published).
- Start: a worker claims the operation with one conditional UPDATE (queued or handed back, no
  cancel asked, no other worker beating), in the transaction that tells the kind it started. A
  cancel of a queued operation is conditional the same way, so exactly one wins: once the API
  answers `cancelled`, no worker starts it.
- Cancel of a running operation: the API marks it and sends the service's cancel subject (core
  NATS); the worker reads the mark before each phase and polls it during one, so a lost message
  costs at most `CANCEL_POLL_SECONDS`. Executors stop their phase within a second of the mark.
- A worker that stops (SIGTERM) kills its phases and hands the job back (nak) at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import threading
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.bus import EventBus
from ko_common.db import Database, database_identity, utcnow
from ko_common.events import Envelope, emit
from ko_common.logging import log_fields
from ko_common.operations.channels import OperationChannels
from ko_common.operations.executors import Executor, OperationRun, PhaseResult, PhaseStep, PrepareFailed
from ko_common.operations.kinds import KindRegistry
from ko_common.operations.models import TERMINAL, OperationTables
from ko_common.operations.pump import EventPump
from ko_common.operations.repository import OperationRepository
from ko_common.operations.schemas import Failure, OperationSummary

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
ACK_WAIT_SECONDS = 30.0
CANCEL_POLL_SECONDS = 2.0


class Shutdown(Exception):
    """The worker is stopping: the job goes back to the queue."""


class StillRunning(Exception):
    """Another worker is still running the operation: the job waits."""


class NotReady(Exception):
    """What the run needs is away for now (inventory down, say): retried later, not a failure."""


class Worker:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        tables: OperationTables,
        channels: OperationChannels,
        kinds: KindRegistry,
        executors: Mapping[str, Executor],
        work_dir: Path,
        phase_timeout_seconds: int,
        concurrency: int,
        ack_wait_seconds: float = ACK_WAIT_SECONDS,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.db = db
        self.bus = bus
        self.tables = tables
        self.channels = channels
        self.kinds = kinds
        self.executors = dict(executors)
        self.work_dir = work_dir
        self.phase_timeout = phase_timeout_seconds
        self.concurrency = concurrency
        self.ack_wait = ack_wait_seconds
        self.heartbeat = heartbeat_seconds
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = False
        self._running: dict[str, threading.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def repo(self, session: AsyncSession) -> OperationRepository:
        return OperationRepository(session, self.tables)

    async def run(self) -> None:
        await self.bus.ready.wait()
        token = database_identity(self.db.engine.url.render_as_string(hide_password=False))
        # Replicas of one installation share the durable (the database identity names it).
        subject, durable = self.channels.job.subject_for(token), f"{self.channels.service}-workers-{token}"
        cfg = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=-1,
            filter_subject=subject,
        )
        sub = await self.bus.js.pull_subscribe(subject, durable=durable, stream=self.channels.job.stream, config=cfg)
        slots = asyncio.Semaphore(self.concurrency)
        while not self.stopping:
            await slots.acquire()
            try:
                msgs = await sub.fetch(batch=1, timeout=1)
            except TimeoutError:  # nats' own TimeoutError is one; a slow server can raise the builtin
                slots.release()
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - NATS away for a moment
                slots.release()
                log.warning("worker: fetch failed (%s)", type(exc).__name__)
                await asyncio.sleep(1)
                continue
            for msg in msgs:
                task = asyncio.create_task(self._handle(msg))
                self._tasks.add(task)
                task.add_done_callback(self._done(slots))

    def _done(self, slots: asyncio.Semaphore) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            slots.release()

        return done

    async def stop(self) -> None:
        """Stop the running phases and hand their jobs back (they resume on another worker)."""
        self.stopping = True
        for operation_id, cancel in list(self._running.items()):
            cancel.set()
            # An executor may wait for its processes to stop (Terraform saves its state): not on the loop.
            await asyncio.to_thread(self._kill_orphans, operation_id)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=15)

    def _kill_orphans(self, operation_id: str) -> None:
        for executor in self.executors.values():
            executor.kill_orphans(operation_id)

    async def _handle(self, msg: Msg) -> None:
        try:
            env = Envelope.model_validate_json(msg.data)
            operation_id = str(env.data["operation_id"])
        except (ValueError, KeyError):
            log.error("worker: dropping a job that is not a job request")
            await msg.term()
            return
        beat = asyncio.create_task(self._beat(msg, operation_id))
        try:
            await self.execute(operation_id)
            await msg.ack()
        except (Shutdown, NotReady, StillRunning) as exc:
            log.warning("worker: operation %s handed back (%s)", operation_id, type(exc).__name__)
            with contextlib.suppress(Exception):
                await msg.nak(delay=None if isinstance(exc, Shutdown) else 5)
        except Exception:
            log.exception("worker: operation %s broke; it will be resumed", operation_id)
            with contextlib.suppress(Exception):
                await msg.nak(delay=5)
        finally:
            beat.cancel()

    async def _beat(self, msg: Msg, operation_id: str) -> None:
        model = self.tables.operation
        while True:
            await asyncio.sleep(self.heartbeat)
            with contextlib.suppress(Exception):
                await msg.in_progress()
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await session.execute(update(model).where(model.id == operation_id).values(heartbeat_at=utcnow()))

    # --- one operation ---------------------------------------------------------------------------

    async def execute(self, operation_id: str) -> None:
        async with self.db.transaction() as session:
            repo = self.repo(session)
            now = utcnow()
            # The claim is the transaction's first statement, conditional (see the repository): a
            # cancel of the queued operation committed before it makes it fail, one after it finds
            # the operation running and only asks it to stop.
            claimed = await repo.claim(operation_id, self.name, now, now - timedelta(seconds=self.ack_wait * 0.8))
            op = await repo.get(operation_id)
            if op is None or op.status in TERMINAL:
                return
            if not claimed:
                await self._not_claimed(session, op)
                return
            await emit(session, self.channels.started, OperationSummary.of(op), subject_id=op.id,
                       project_id=op.project_id)  # fmt: skip
            await self.kinds.changed(session, op, None)
            todo = [(p.position, p.name, p.executor, p.target) for p in op.phases if p.status != "succeeded"]
            workdir = self.work_dir / operation_id
            cancel = threading.Event()
            run = OperationRun(
                operation_id=op.id, project_id=op.project_id, cluster_id=op.cluster_id, kind=op.kind,
                spec=dict(op.spec), workdir=workdir, cancel=cancel, timeout_seconds=self.phase_timeout,
            )  # fmt: skip
            counter = op.last_counter
        log.info("operation started", extra=log_fields(operation_id=operation_id, worker=self.name))

        pump = EventPump(self.db, self.bus, self.tables, self.channels, operation_id, run.project_id, counter)
        await pump.republish_stored()
        used = self._executors_of(todo)
        workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            if isinstance(used, Failure):
                raise PrepareFailed(used.message, used.hint)
            for executor in used.values():
                await executor.prepare(run)
        except PrepareFailed as exc:
            refused = Failure(message=str(exc), phase=todo[0][1] if todo else "", hint=exc.hint)
            await pump.stop()
            async with self.db.transaction() as session:
                op = await self.repo(session).get(operation_id)
                assert op is not None
                await self._finish(session, op, "failed", refused)
            await self._discard(run, used if isinstance(used, dict) else {})
            return
        except Exception as exc:
            await self._discard(run, used if isinstance(used, dict) else {})
            raise NotReady(f"{type(exc).__name__}: {exc}") from exc
        assert isinstance(used, dict)
        run.artifacts.mkdir(mode=0o700, exist_ok=True)
        self._running[operation_id] = cancel
        watcher = asyncio.create_task(self._watch_cancel(operation_id, cancel))
        pump.start()
        final: str = "succeeded"
        # The phase the end event names: where it stopped (failed, cancelled, or the first one not
        # started when a cancel came before it), or the last one when it succeeded.
        stopped_at = todo[0][1] if todo else ""
        failure: Failure | None = None
        try:
            for position, name, executor_name, target in todo:
                stopped_at = name
                executor = used[executor_name]
                # A cheap read before each phase: a cancel that landed since the claim (or the
                # last phase) stops it here, not seconds into the phase.
                if cancel.is_set() or not await self._phase_started(operation_id, position):
                    cancel.set()
                    final = "cancelled"
                    break
                pump.put_own(name, "phase_start", "running", f"Phase {name} started.")
                result = await executor.run_phase(run, PhaseStep(position, name, target), pump.threadsafe(name))
                if self.stopping:
                    await pump.stop()
                    raise Shutdown()
                status = {"succeeded": "succeeded", "cancelled": "cancelled"}.get(result.status, "failed")
                if status == "failed":
                    failure = self._failure(pump, executor, name, result)
                message = failure.message if failure is not None and status == "failed" else ""
                pump.put_own(name, "phase_end", status, message or f"Phase {name} {status}.")
                await pump.drain()
                await self._phase_ended(operation_id, position, status, message)
                if status != "succeeded":
                    final = status
                    break
            await pump.drain()
            if not self.stopping:
                for executor in used.values():
                    await executor.release(run)
            async with self.db.transaction() as session:
                op = await self.repo(session).get(operation_id)
                assert op is not None
                await session.refresh(op)
                await self._finish(session, op, final, failure, run.artifacts)
                # The secrets go once the kind has read the artifacts (the kubeconfig), before anyone
                # can see the operation ended; the finally below only repeats the cleanup, for the
                # paths that never get here.
                if not self.stopping:
                    await self._discard(run, used)
            # The end marker last: whoever sees it finds the operation ended.
            pump.put_own(stopped_at, "end", final, f"Operation {final}.")
            await pump.stop()
        finally:
            watcher.cancel()
            self._running.pop(operation_id, None)
            await pump.stop()
            if not self.stopping:
                await self._discard(run, used)
        log.info("operation ended", extra=log_fields(operation_id=operation_id, status=final))

    def _executors_of(self, todo: list[tuple[int, str, str, str]]) -> dict[str, Executor] | Failure:
        used: dict[str, Executor] = {}
        for _, name, executor_name, _ in todo:
            executor = self.executors.get(executor_name)
            if executor is None:
                return Failure(
                    message=f"Phase {name} needs the {executor_name} executor, which this service does not run.",
                    phase=name,
                    hint="The operation was planned by another version of the service: upgrade every replica.",
                )
            used[executor_name] = executor
        return used

    def _failure(self, pump: EventPump, executor: Executor, name: str, result: PhaseResult) -> Failure:
        if result.status == "timeout":
            return Failure(
                message=f"Phase {name} did not finish within {self.phase_timeout} s and was stopped.",
                phase=name,
                hint="A host may be very slow or a task may hang; raise KO_PHASE_TIMEOUT_SECONDS "
                "if the hosts are merely slow.",
            )
        return (
            result.failure
            or pump.failure(name, executor.hint_for)
            or Failure(
                message=f"Phase {name} failed (exit code {result.rc}) without a failed task; see its log.", phase=name
            )
        )

    async def _discard(self, run: OperationRun, used: Mapping[str, Executor]) -> None:
        for executor in used.values():
            try:
                await executor.discard(run)
            except Exception as exc:  # noqa: BLE001 - a cleanup that fails must not undo the operation's end
                log.warning("operation cleanup incomplete (%s): %s", type(exc).__name__, run.workdir)
        await asyncio.to_thread(shutil.rmtree, run.workdir, True)

    async def _not_claimed(self, session: AsyncSession, op: Any) -> None:
        """The claim failed: another worker runs it (wait), or its cancel was asked (end it here)."""
        quiet = (utcnow() - op.heartbeat_at).total_seconds() if op.heartbeat_at is not None else None
        if op.status == "running" and op.worker != self.name and quiet is not None and quiet < self.ack_wait * 0.8:
            # Redelivered while its worker still beats (NATS was away longer than the ack wait,
            # say): two workers must never run one operation. Try again later.
            raise StillRunning(f"{op.worker} beat {quiet:.0f} s ago")
        if op.cancel_requested and await self.repo(session).end_cancelled(op.id, utcnow()):
            # Its worker died mid-phase (kill -9): what it left running on this machine stops too.
            await asyncio.to_thread(self._kill_orphans, op.id)
            await session.refresh(op)
            await self._finish(session, op, "cancelled", None)
            return
        raise StillRunning(f"operation {op.id} changed while starting ({op.status})")

    async def _finish(
        self, session: AsyncSession, op: object, status: str, failure: Failure | None, artifacts: Path | None = None
    ) -> None:
        await finish(session, self.channels, self.kinds, op, status, failure, artifacts)

    async def _phase_started(self, operation_id: str, position: int) -> bool:
        """Mark the phase running, unless a cancel was asked meanwhile (False: do not start it)."""
        async with self.db.transaction() as session:
            if await self.repo(session).cancel_asked(operation_id):
                return False
            phase = await self.repo(session).phase(operation_id, position)
            assert phase is not None
            phase.status, phase.runs, phase.started_at, phase.ended_at = "running", phase.runs + 1, utcnow(), None
            phase.message = ""
        return True

    async def _phase_ended(self, operation_id: str, position: int, status: str, message: str) -> None:
        async with self.db.transaction() as session:
            phase = await self.repo(session).phase(operation_id, position)
            assert phase is not None
            phase.status, phase.ended_at, phase.message = status, utcnow(), message

    async def _watch_cancel(self, operation_id: str, cancel: threading.Event) -> None:
        sub = None
        try:
            if self.bus.nc is not None:
                sub = await self.bus.nc.subscribe(self.channels.cancel.subject_for(operation_id), cb=_setter(cancel))
            while not cancel.is_set():
                await asyncio.sleep(CANCEL_POLL_SECONDS)
                with contextlib.suppress(Exception):
                    async with self.db.transaction() as session:
                        if await self.repo(session).cancel_asked(operation_id):
                            cancel.set()
        finally:
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()


async def finish(
    session: AsyncSession,
    channels: OperationChannels,
    kinds: KindRegistry,
    op: object,
    status: str,
    failure: Failure | None,
    artifacts: Path | None = None,
) -> None:
    """End an operation in the caller's transaction: its status, its phases, its event, its kind's change."""
    o: Any = op
    o.status, o.ended_at = status, utcnow()
    o.failure = failure.model_dump() if failure is not None else None
    for phase in o.phases:
        if status == "cancelled" and phase.status in ("pending", "running"):
            phase.status = "cancelled"
    await session.flush()
    await emit(session, channels.ended(status), OperationSummary.of(o), subject_id=o.id, project_id=o.project_id)
    await kinds.changed(session, o, artifacts)


def _setter(cancel: threading.Event) -> Callable[[Msg], Awaitable[None]]:
    async def on_message(_: Msg) -> None:
        cancel.set()

    return on_message
