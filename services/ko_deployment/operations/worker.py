"""The deployment worker: takes operation jobs from the JetStream work queue and runs their phases.

Durability, in the order things happen:
- A job is a message on KO_JOBS (work queue) that the API queued through the outbox in the same
  transaction as the operation. Every replica pulls from one durable consumer, so each job goes to
  one worker. While it runs, the worker tells JetStream it is still working (`in_progress`) every
  `HEARTBEAT_SECONDS`; if the worker dies (kill -9), the job is redelivered after `ACK_WAIT_SECONDS`
  and the next worker resumes at the first phase that has not succeeded. Phases are idempotent
  playbooks, so re-running the interrupted one is safe.
- Events get their counter here, one after the other. A batch is stored (database: the truth)
  and then published on `ko.deployment.operation.<id>.event` with `Nats-Msg-Id = <id>:<counter>`.
  A worker resuming an operation continues the counter after the last stored event and first
  republishes what was stored but maybe not published, so counters stay contiguous and no event
  is lost or doubled (JetStream drops a republish inside its duplicate window; readers order and
  deduplicate by counter anyway).
- Start: a worker claims the operation with one conditional UPDATE (queued or handed back, no
  cancel asked, no other worker beating), in the transaction that tells the hooks it started. A
  cancel of a queued operation is conditional the same way, so exactly one wins: once the API
  answers `cancelled`, no worker starts it.
- Cancel of a running operation: the API marks it and sends `ko.deployment.operation.<id>.cancel`
  (core NATS); the worker reads the mark before each phase and polls it during one, so a lost
  message costs at most `CANCEL_POLL_SECONDS`.
- A worker that stops (SIGTERM) kills its playbooks and hands the job back (nak) at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
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
from ko_deployment.engine import runner
from ko_deployment.inventory_client import HostsMissing
from ko_deployment.operations import events
from ko_deployment.operations.models import Operation, OperationPhase
from ko_deployment.operations.repository import OperationRepository
from ko_deployment.operations.schemas import Failure, OperationEventOut, OperationSummary

log = logging.getLogger(__name__)

DURABLE = "deployment-workers"  # + the database identity: replicas of one installation share it
HEARTBEAT_SECONDS = 10.0
ACK_WAIT_SECONDS = 30.0
CANCEL_POLL_SECONDS = 2.0
BATCH = 500
PUBLISH_GRACE_SECONDS = 30.0
PUBLISH_WINDOW = 256  # publishes awaiting their JetStream ack at once
TERMINAL = ("succeeded", "failed", "cancelled")

NodeSource = Callable[[dict[str, Any]], Awaitable[list[runner.NodeAccess]]]
# Told in the same transaction whenever an operation starts or ends (cluster status, kubeconfig):
# (session, operation, the operation's artifacts directory or None).
Hook = Callable[[AsyncSession, Operation, Path | None], Awaitable[None]]
# Extra-vars of this run, from the operation's spec (the current settings, say): deep-merged over
# the spec's own extravars for every phase, so a retry runs with what is configured now.
RunVars = Callable[[dict[str, Any]], dict[str, Any]]


class Shutdown(Exception):
    """The worker is stopping: the job goes back to the queue."""


class StillRunning(Exception):
    """Another worker is still running the operation: the job waits."""


class NodesUnavailable(Exception):
    """The nodes' logins could not be fetched (inventory down): retried later, not a failure."""


def event_subject(operation_id: str) -> str:
    return events.TASK_EVENT.subject_for(operation_id)


def cancel_subject(operation_id: str) -> str:
    return events.CANCEL.subject_for(operation_id)


class Worker:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        nodes: NodeSource,
        playbooks_dir: Path,
        work_dir: Path,
        phase_timeout_seconds: int,
        concurrency: int,
        ansible_pipelining: bool = True,
        hooks: list[Hook] | None = None,
        run_vars: RunVars | None = None,
        ack_wait_seconds: float = ACK_WAIT_SECONDS,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.db = db
        self.bus = bus
        self.nodes = nodes
        self.playbooks_dir = playbooks_dir
        self.work_dir = work_dir
        self.phase_timeout = phase_timeout_seconds
        # The runner turns pipelining on; off only for nodes whose sudo requires a tty (KO_ANSIBLE_PIPELINING).
        self.envvars = {} if ansible_pipelining else {"ANSIBLE_PIPELINING": "False"}
        self.concurrency = concurrency
        self.ack_wait = ack_wait_seconds
        self.heartbeat = heartbeat_seconds
        self.hooks = hooks or []
        self.run_vars = run_vars
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = False
        self._running: dict[str, threading.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        await self.bus.ready.wait()
        token = database_identity(self.db.engine.url.render_as_string(hide_password=False))
        subject, durable = events.JOB.subject_for(token), f"{DURABLE}-{token}"
        cfg = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_deliver=-1,
            filter_subject=subject,
        )
        sub = await self.bus.js.pull_subscribe(subject, durable=durable, stream=events.JOB.stream, config=cfg)
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
        """Kill the running playbooks and hand their jobs back (they resume on another worker)."""
        self.stopping = True
        for operation_id, cancel in list(self._running.items()):
            cancel.set()
            runner.kill_orphans(operation_id)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=15)

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
        except (Shutdown, NodesUnavailable, StillRunning) as exc:
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
        while True:
            await asyncio.sleep(self.heartbeat)
            with contextlib.suppress(Exception):
                await msg.in_progress()
            with contextlib.suppress(Exception):
                async with self.db.transaction() as session:
                    await session.execute(
                        update(Operation).where(Operation.id == operation_id).values(heartbeat_at=utcnow())
                    )

    # --- one operation ---------------------------------------------------------------------------

    async def execute(self, operation_id: str) -> None:
        async with self.db.transaction() as session:
            repo = OperationRepository(session)
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
            await emit(session, events.STARTED, OperationSummary.of(op), subject_id=op.id, project_id=op.project_id)
            for hook in self.hooks:
                await hook(session, op, None)
            spec = dict(op.spec)
            project_id, counter = op.project_id, op.last_counter
            todo = [(p.position, p.name, p.playbook) for p in op.phases if p.status != "succeeded"]
        log.info("operation started", extra=log_fields(operation_id=operation_id, worker=self.name))

        pump = EventPump(self.db, self.bus, operation_id, project_id, counter)
        await pump.republish_stored()
        try:
            nodes = await self.nodes(spec)
        except HostsMissing as exc:
            missing = Failure(
                message=f"The operation's hosts are not all in the inventory any more: {exc}",
                phase=todo[0][1] if todo else "",
                hint="Register the hosts again, or start a new operation with the hosts that exist.",
            )
            await pump.stop()
            async with self.db.transaction() as session:
                op = await OperationRepository(session).get(operation_id)
                assert op is not None
                await self._finish(session, op, "failed", missing)
            return
        except Exception as exc:
            raise NodesUnavailable(str(exc)) from exc
        extravars = dict(spec.get("extravars") or {})
        if self.run_vars is not None:
            extravars = deep_merge(extravars, self.run_vars(spec))
        extravars["ko_artifacts_dir"] = str(self.work_dir / operation_id / "artifacts")
        workdir = self.work_dir / operation_id
        cancel = threading.Event()
        self._running[operation_id] = cancel
        watcher = asyncio.create_task(self._watch_cancel(operation_id, cancel))
        pump.start()
        final: str = "succeeded"
        # The phase the end event names: where it stopped (failed, cancelled, or the first one not
        # started when a cancel came before it), or the last one when it succeeded.
        stopped_at = todo[0][1] if todo else ""
        failure: Failure | None = None
        try:
            # A worker killed mid-phase leaves its playbook running (kill -9): stop it before resuming.
            await asyncio.to_thread(runner.kill_orphans, operation_id)
            await asyncio.to_thread(runner.prepare, workdir, nodes, spec.get("vars") or {})
            (workdir / "artifacts").mkdir(mode=0o700, exist_ok=True)
            for position, name, playbook in todo:
                stopped_at = name
                # A cheap read before each playbook: a cancel that landed since the claim (or the
                # last phase) stops it here, not seconds into the phase.
                if cancel.is_set() or not await self._phase_started(operation_id, position):
                    cancel.set()
                    final = "cancelled"
                    break
                pump.put_own(name, "phase_start", "running", f"Phase {name} started.")
                result = await asyncio.to_thread(
                    runner.run_phase,
                    runner.PhaseRun(
                        operation_id=operation_id,
                        phase=name,
                        playbook=(self.playbooks_dir / playbook).resolve(),
                        workdir=workdir,
                        extravars=extravars,
                        timeout_seconds=self.phase_timeout,
                        envvars=self.envvars,
                    ),
                    pump.threadsafe(name),
                    cancel,
                )
                if self.stopping:
                    await pump.stop()
                    raise Shutdown()
                status = {"succeeded": "succeeded", "cancelled": "cancelled"}.get(result.status, "failed")
                if status == "failed":
                    failure = pump.failure(name) or Failure(
                        message=f"Phase {name} failed (exit code {result.rc}) without a failed task; see its log.",
                        phase=name,
                    )
                    if result.status == "timeout":
                        failure = Failure(
                            message=f"Phase {name} did not finish within {self.phase_timeout} s and was stopped.",
                            phase=name,
                            hint="A host may be very slow or a task may hang; raise KO_PHASE_TIMEOUT_SECONDS "
                            "if the hosts are merely slow.",
                        )
                message = failure.message if failure is not None and status == "failed" else ""
                pump.put_own(name, "phase_end", status, message or f"Phase {name} {status}.")
                await pump.drain()
                await self._phase_ended(operation_id, position, status, message)
                if status != "succeeded":
                    final = status
                    break
            await pump.drain()
            # SSH masters close before the finishing transaction (a host that stopped answering
            # can hold `ssh -O exit` for seconds: not while holding the database's write lock).
            if not self.stopping:
                await asyncio.to_thread(self._cleanup, workdir, runner.close_connections)
            async with self.db.transaction() as session:
                op = await OperationRepository(session).get(operation_id)
                assert op is not None
                await session.refresh(op)
                await self._finish(session, op, final, failure, workdir / "artifacts")
                # The secrets go once the hooks have read the artifacts (the kubeconfig), before
                # anyone can see the operation ended; the finally below only repeats the cleanup,
                # for the paths that never get here.
                if not self.stopping:
                    await asyncio.to_thread(self._cleanup, workdir, runner.remove_files)
            # The end marker last: whoever sees it finds the operation ended.
            pump.put_own(stopped_at, "end", final, f"Operation {final}.")
            await pump.stop()
        finally:
            watcher.cancel()
            self._running.pop(operation_id, None)
            await pump.stop()
            if not self.stopping:
                await asyncio.to_thread(self._cleanup, workdir)
        log.info("operation ended", extra=log_fields(operation_id=operation_id, status=final))

    async def _not_claimed(self, session: AsyncSession, op: Operation) -> None:
        """The claim failed: another worker runs it (wait), or its cancel was asked (end it here)."""
        quiet = (utcnow() - op.heartbeat_at).total_seconds() if op.heartbeat_at is not None else None
        if op.status == "running" and op.worker != self.name and quiet is not None and quiet < self.ack_wait * 0.8:
            # Redelivered while its worker still beats (NATS was away longer than the ack wait,
            # say): two workers must never run one operation. Try again later.
            raise StillRunning(f"{op.worker} beat {quiet:.0f} s ago")
        if op.cancel_requested and await OperationRepository(session).end_cancelled(op.id, utcnow()):
            # Its worker died mid-phase (kill -9): a playbook it left on this machine stops too.
            await asyncio.to_thread(runner.kill_orphans, op.id)
            await session.refresh(op)
            await self._finish(session, op, "cancelled", None)
            return
        raise StillRunning(f"operation {op.id} changed while starting ({op.status})")

    @staticmethod
    def _cleanup(workdir: Path, step: Callable[[Path], None] = runner.cleanup) -> None:
        try:
            step(workdir)
        except Exception as exc:  # noqa: BLE001 - an ssh that hangs must not undo the operation's end
            log.warning("operation cleanup incomplete (%s): %s", type(exc).__name__, workdir)

    async def _finish(
        self, session: AsyncSession, op: Operation, status: str, failure: Failure | None, artifacts: Path | None = None
    ) -> None:
        op.status, op.ended_at = status, utcnow()
        op.failure = failure.model_dump() if failure is not None else None
        for phase in op.phases:
            if status == "cancelled" and phase.status in ("pending", "running"):
                phase.status = "cancelled"
        spec = {"succeeded": events.SUCCEEDED, "failed": events.FAILED, "cancelled": events.CANCELLED}[status]
        await session.flush()
        await emit(session, spec, OperationSummary.of(op), subject_id=op.id, project_id=op.project_id)
        for hook in self.hooks:
            await hook(session, op, artifacts)

    async def _phase_started(self, operation_id: str, position: int) -> bool:
        """Mark the phase running, unless a cancel was asked meanwhile (False: do not start it)."""
        async with self.db.transaction() as session:
            if await OperationRepository(session).cancel_asked(operation_id):
                return False
            phase = await session.get(OperationPhase, (operation_id, position))
            assert phase is not None
            phase.status, phase.runs, phase.started_at, phase.ended_at = "running", phase.runs + 1, utcnow(), None
            phase.message = ""
        return True

    async def _phase_ended(self, operation_id: str, position: int, status: str, message: str) -> None:
        async with self.db.transaction() as session:
            phase = await session.get(OperationPhase, (operation_id, position))
            assert phase is not None
            phase.status, phase.ended_at, phase.message = status, utcnow(), message

    async def _watch_cancel(self, operation_id: str, cancel: threading.Event) -> None:
        sub = None
        try:
            if self.bus.nc is not None:
                sub = await self.bus.nc.subscribe(cancel_subject(operation_id), cb=_setter(cancel))
            while not cancel.is_set():
                await asyncio.sleep(CANCEL_POLL_SECONDS)
                with contextlib.suppress(Exception):
                    async with self.db.transaction() as session:
                        op = await OperationRepository(session).get(operation_id)
                        if op is not None:
                            await session.refresh(op, ["cancel_requested"])
                            if op.cancel_requested:
                                cancel.set()
        finally:
            if sub is not None:
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` on `base`: a dict into a dict key by key, anything else replaced."""
    merged = dict(base)
    for key, value in over.items():
        old = merged.get(key)
        merged[key] = deep_merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return merged


def _setter(cancel: threading.Event) -> Callable[[Msg], Awaitable[None]]:
    async def on_message(_: Msg) -> None:
        cancel.set()

    return on_message


class EventPump:
    """Counters, storage in batches, then publication, for one operation's events."""

    def __init__(self, db: Database, bus: EventBus, operation_id: str, project_id: str, counter: int) -> None:
        self.db = db
        self.bus = bus
        self.operation_id = operation_id
        self.project_id = project_id
        self.counter = counter
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[tuple[str, runner.AnsibleEvent] | None] = asyncio.Queue()
        self.unpublished: list[OperationEventOut] = []
        self.first_failure: dict[str, runner.AnsibleEvent] = {}
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def threadsafe(self, phase: str) -> Callable[[runner.AnsibleEvent], None]:
        def put(event: runner.AnsibleEvent) -> None:
            self.loop.call_soon_threadsafe(self._put, phase, event)

        return put

    def put_own(self, phase: str, kind: str, status: str, text: str) -> None:
        self._put(
            phase,
            runner.AnsibleEvent(
                kind=kind, status=status, host=None, task=None, play=None, changed=False, duration_ms=None,
                excerpt=text, time=datetime.now(UTC),
            ),
        )  # fmt: skip

    def _put(self, phase: str, event: runner.AnsibleEvent) -> None:
        self._idle.clear()
        if event.kind == "task_result" and event.status in ("failed", "unreachable"):
            known = self.first_failure.get(phase)
            # A host failing again went on past its earlier failure (rescued by a block, or ignored):
            # the later one is what stopped it (e.g. the rescue's explanation of a checksum mismatch).
            if known is None or known.host == event.host:
                self.first_failure[phase] = event
        self.queue.put_nowait((phase, event))

    def failure(self, phase: str) -> Failure | None:
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
            hint=runner.hint_for(event.excerpt),
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
            rows = await OperationRepository(session).events(self.operation_id, max(0, self.counter - BATCH), BATCH)
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

    async def _store(self, items: list[tuple[str, runner.AnsibleEvent]]) -> None:
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
            await OperationRepository(session).store_events(self.operation_id, [o.model_dump() for o in outs], counter)
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
            subject = event_subject(self.operation_id)
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
        subject = event_subject(self.operation_id)
        try:
            msg = await self.bus.js.get_last_msg("KO_OPERATION_EVENTS", subject)
            last = int(Envelope.model_validate_json(msg.data or b"{}").data["counter"])
        except Exception:  # noqa: BLE001 - nothing published yet (or unreadable): resend what the store has
            last = 0
        if last >= self.counter:
            return 0
        resent = 0
        while last < self.counter:
            async with self.db.transaction() as session:
                rows = await OperationRepository(session).events(self.operation_id, last, BATCH)
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
                source="ko/deployment",
                type=events.TASK_EVENT.type,
                time=event.time,
                subject=self.operation_id,
                projectid=self.project_id,
                data=event.model_dump(mode="json"),
            )
            .model_dump_json()
            .encode()
        )
