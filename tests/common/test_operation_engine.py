"""The shared operation engine outside the deployment service: another service's own tables (the model
mixins), a kind registered with its phases and cluster transitions, python steps as the executor.

No NATS and no lab: the bus is absent (events are stored; publication is the pump's business, tested
with the deploy path), the worker's `execute` is called as the job consumer would. Runs on SQLite.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from ko_common.db import Database, new_metadata
from ko_common.errors import Conflict, InvalidInput
from ko_common.events import REGISTRY, add_event_tables
from ko_common.identity import Identity
from ko_common.operations import pump, worker
from ko_common.operations.channels import OperationChannels, operation_channels
from ko_common.operations.executors import PythonExecutor, StepContext, StepFailed
from ko_common.operations.kinds import KindRegistry, KindRequest, OperationKind, PhaseDef, Transition
from ko_common.operations.models import OperationEventMixin, OperationMixin, OperationPhaseMixin, OperationTables
from ko_common.operations.repository import OperationRepository
from ko_common.operations.service import OperationService

ADMIN = Identity("u-admin", "admin", is_admin=True)


class Base(DeclarativeBase):
    metadata = new_metadata()


OUTBOX, _ = add_event_tables(Base.metadata)


class SnapOperation(OperationMixin, Base):
    __tablename__ = "snap_operations"
    __phase_class__ = "SnapPhase"


class SnapPhase(OperationPhaseMixin, Base):
    __tablename__ = "snap_operation_phases"
    __operation_table__ = "snap_operations"


class SnapEvent(OperationEventMixin, Base):
    __tablename__ = "snap_operation_events"
    __operation_table__ = "snap_operations"


TABLES = OperationTables(SnapOperation, SnapPhase, SnapEvent)
# Declared only while this module's tests run (the fixture below): declaring it at import would put the
# test service's event types into the contract's registry for the whole session (test_contracts).
CHANNELS: OperationChannels


@pytest.fixture(autouse=True, scope="module")
def _test_channels() -> Iterator[None]:
    global CHANNELS
    CHANNELS = operation_channels("enginetest")
    yield
    for type_ in [t for t in REGISTRY if t.startswith("kubeoperator.enginetest.")]:
        del REGISTRY[type_]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}", "enginetest")
    database.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "enginetest"})
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


class Steps:
    """Python steps that record what ran; `blocker` holds the `wait` step until set (or cancelled)."""

    def __init__(self) -> None:
        self.ran: list[str] = []
        self.effects: list[tuple[str, bool]] = []
        self.shown: list[tuple[str, str]] = []
        self.fail_once = True
        self.executor = PythonExecutor()
        ex = self.executor

        @ex.step("snapshot")
        async def snapshot(ctx: StepContext) -> None:
            self.ran.append("snapshot")
            ctx.log("snapshot taken: revision 42", host="m1", task="etcdctl snapshot save", changed=True)
            (ctx.run.artifacts / "snapshot.db").write_text("data")

        @ex.step("upload")
        async def upload(ctx: StepContext) -> None:
            self.ran.append("upload")
            if self.fail_once:
                self.fail_once = False
                raise StepFailed("the bucket ko-backups does not exist", hint="Create it, or edit the account.")
            ctx.log("uploaded 4 bytes")
            (ctx.run.artifacts / "receipt.json").write_text("{}")

        @ex.step("wait")
        async def wait(ctx: StepContext) -> None:
            self.ran.append("wait")
            await asyncio.sleep(60)

        @ex.step("crash")
        async def crash(ctx: StepContext) -> None:
            raise KeyError("region")

    def registry(self) -> KindRegistry:
        async def sink(session: AsyncSession, op: Any, transition: Transition) -> None:
            self.shown.append((transition.status, transition.render(op)))

        async def effect(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
            found = artifacts is not None and (artifacts / "receipt.json").is_file()
            self.effects.append((op.status, found))

        async def no_prod(session: AsyncSession, request: KindRequest) -> None:
            if request.spec.get("cluster_name") == "prod":
                raise InvalidInput("Backups of prod are refused in this test.", field="cluster_name")

        kinds = KindRegistry(sink=sink)
        kinds.register(
            OperationKind(
                "backup",
                phases=lambda _: [PhaseDef("snapshot", "snapshot", "python"), PhaseDef("upload", "upload", "python")],
                preflight=[no_prod],
                on_start=Transition("backing-up", "Backing up."),
                on_success=Transition("running", "Backed up."),
                on_failure=Transition("running", "Backup failed{at}: {reason}", "no reason"),
                on_cancel=Transition("running", "Backup cancelled{at}."),
                effect=effect,
            )
        )
        kinds.register(
            OperationKind(
                "slow", phases=lambda _: [PhaseDef("wait", "wait", "python")], on_cancel=Transition("x", "c{at}")
            )
        )
        kinds.register(OperationKind("crash", phases=lambda _: [PhaseDef("crash", "crash", "python")]))
        kinds.register(OperationKind("terraform", phases=lambda _: [PhaseDef("vms", "vsphere", "terraform")]))
        return kinds


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> Steps:
    monkeypatch.setattr(pump, "PUBLISH_GRACE_SECONDS", 0.0)
    monkeypatch.setattr(worker, "CANCEL_POLL_SECONDS", 0.05)
    return Steps()


def make(db: Database, steps: Steps, tmp_path: Path, timeout: int = 60) -> tuple[OperationService, worker.Worker]:
    kinds = steps.registry()
    bus: Any = SimpleNamespace(nc=None, connected=False, js=None)
    w = worker.Worker(
        db, bus, tables=TABLES, channels=CHANNELS, kinds=kinds, executors={"python": steps.executor},
        work_dir=tmp_path / "ops", phase_timeout_seconds=timeout, concurrency=1,
    )  # fmt: skip
    return OperationService(TABLES, CHANNELS, kinds), w


async def create(db: Database, svc: OperationService, kind: str, cluster_id: str = "c1", **spec: Any) -> str:
    async with db.transaction() as session:
        op = await svc.create(session, project_id="p1", cluster_id=cluster_id, kind=kind, spec=spec, created_by="t")
        return str(op.id)


async def read(db: Database, op_id: str) -> tuple[Any, list[tuple[int, str, str, str, str | None]]]:
    async with db.transaction() as session:
        repo = OperationRepository(session, TABLES)
        op = await repo.get(op_id)
        events = [(e.counter, e.phase, e.kind, e.status, e.host) for e in await repo.events(op_id, 0, 1000)]
        return op, events


async def test_a_python_kind_fails_then_resumes_at_the_failed_phase(db: Database, steps: Steps, tmp_path: Path) -> None:
    svc, w = make(db, steps, tmp_path)
    op_id = await create(db, svc, "backup")
    await w.execute(op_id)
    op, events = await read(db, op_id)
    assert op.status == "failed" and [p.status for p in op.phases] == ["succeeded", "failed"]
    assert [p.executor for p in op.phases] == ["python", "python"]
    assert op.failure["message"] == "Phase upload: the bucket ko-backups does not exist"
    assert op.failure["hint"] == "Create it, or edit the account." and op.failure["phase"] == "upload"
    assert ("snapshot", "task_result", "ok", "m1") in [e[1:] for e in events]
    failed = "Backup failed at phase upload: Phase upload: the bucket ko-backups does not exist"
    assert steps.shown == [("backing-up", "Backing up."), ("running", failed)]

    async with db.transaction() as session:
        assert (await svc.retry(session, ADMIN, op_id)).status == "queued"
    await w.execute(op_id)
    op, resumed = await read(db, op_id)
    assert op.status == "succeeded" and op.attempts == 2
    assert steps.ran == ["snapshot", "upload", "upload"]  # the snapshot is not taken twice
    counters = [e[0] for e in resumed]
    assert counters == list(range(1, len(counters) + 1))  # contiguous across the retry
    assert resumed[-1][1:4] == ("upload", "end", "succeeded")
    # The effect read the artifacts before they were removed; nothing of the run is left on disk.
    assert steps.effects[-1] == ("succeeded", True)
    assert not (tmp_path / "ops" / op_id).exists()
    assert steps.shown[-1] == ("running", "Backed up.")


async def test_cancel_stops_a_running_step_within_a_second(db: Database, steps: Steps, tmp_path: Path) -> None:
    svc, w = make(db, steps, tmp_path)
    op_id = await create(db, svc, "slow")
    run = asyncio.create_task(w.execute(op_id))
    while "wait" not in steps.ran:
        await asyncio.sleep(0.02)
    async with db.transaction() as session:
        assert (await svc.cancel(session, ADMIN, op_id)).status == "running"
    began = time.monotonic()
    await asyncio.wait_for(run, 10)
    assert time.monotonic() - began < 1.5
    op, events = await read(db, op_id)
    assert op.status == "cancelled" and events[-1][1:4] == ("wait", "end", "cancelled")
    assert steps.shown[-1] == ("x", "c at phase wait")


async def test_a_step_over_the_phase_timeout_fails_the_phase(db: Database, steps: Steps, tmp_path: Path) -> None:
    svc, w = make(db, steps, tmp_path, timeout=0)
    op_id = await create(db, svc, "slow")
    await asyncio.wait_for(w.execute(op_id), 10)
    op, _ = await read(db, op_id)
    assert op.status == "failed" and "did not finish within 0 s" in op.failure["message"]


async def test_an_unexpected_exception_names_the_step_not_a_traceback(
    db: Database, steps: Steps, tmp_path: Path
) -> None:
    svc, w = make(db, steps, tmp_path)
    op_id = await create(db, svc, "crash")
    await w.execute(op_id)
    op, _ = await read(db, op_id)
    assert op.status == "failed"
    assert op.failure["message"] == "Phase crash: step crash failed: KeyError: 'region'"
    assert "Traceback" not in op.failure["excerpt"]


async def test_a_phase_whose_executor_this_service_lacks_fails_clearly(
    db: Database, steps: Steps, tmp_path: Path
) -> None:
    svc, w = make(db, steps, tmp_path)
    op_id = await create(db, svc, "terraform")
    await w.execute(op_id)
    op, _ = await read(db, op_id)
    assert op.status == "failed"
    assert op.failure["message"] == "Phase vms needs the terraform executor, which this service does not run."


async def test_kinds_refuse_bad_requests_before_anything_is_stored(db: Database, steps: Steps, tmp_path: Path) -> None:
    svc, _ = make(db, steps, tmp_path)
    with pytest.raises(InvalidInput) as unknown:
        await create(db, svc, "upgrade")
    assert unknown.value.field == "kind" and "runs backup, crash, slow, terraform" in str(unknown.value)
    with pytest.raises(InvalidInput) as refused:
        await create(db, svc, "backup", cluster_name="prod")
    assert refused.value.field == "cluster_name"
    first = await create(db, svc, "backup")
    with pytest.raises(Conflict) as busy:
        await create(db, svc, "slow")
    assert first in str(busy.value) and busy.value.field == "cluster_id"
    async with db.transaction() as session:
        _, total = await OperationRepository(session, TABLES).search(None, None, None, 10, 0)
    assert total == 1


def test_each_service_gets_its_own_subjects() -> None:
    assert CHANNELS.task_event.subject_for("o1") == "ko.enginetest.operation.o1.event"
    assert CHANNELS.job.subject_for("db1") == "ko.jobs.enginetest.db1.operation"
    assert CHANNELS.cancel.subject_for("o1") == "ko.enginetest.operation.o1.cancel"
    assert CHANNELS.started.type == "kubeoperator.enginetest.operation.started.v1"
