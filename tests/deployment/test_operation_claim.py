"""A worker's claim of an operation against a cancel, without a lab: the runner is replaced by a fake
that counts the phases it is asked to run (nothing touches a host), the bus by one without NATS.

What must hold: once a cancel answers `cancelled`, no phase of the operation ever runs; a cancel
that comes after the worker's claim stops it before its next phase (or during one, by the watch).
Runs on SQLite (WAL) and on PostgreSQL (the `database_url` fixture).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest

from ko_common import migrations
from ko_common.db import Database
from ko_common.errors import Conflict
from ko_common.operations import pump, worker
from ko_common.operations.ansible import runner
from ko_common.operations.ansible.executor import AnsibleExecutor
from ko_common.operations.kinds import KindRegistry
from ko_common.operations.repository import OperationRepository
from ko_deployment.clusters import kinds as cluster_kinds
from ko_deployment.clusters.models import Cluster
from ko_deployment.models import OUTBOX
from ko_deployment.operations import service
from ko_deployment.operations.events import CHANNELS
from ko_deployment.operations.models import TABLES, Operation
from tests.deployment.conftest import ADMIN

MIGRATIONS = Path(__file__).parents[2] / "services/ko_deployment/migrations"
T = TypeVar("T")
PHASES = [service.PhaseSpec("one", "one.yml"), service.PhaseSpec("two", "two.yml"), service.PhaseSpec("three", "3.yml")]


class FakeRunner:
    """Stands for the runner: records each PhaseRun; a phase lasts `seconds` unless cancelled."""

    def __init__(self, seconds: float = 0.0, fail: str | None = None) -> None:
        self.runs: list[runner.PhaseRun] = []
        self.seconds = seconds
        self.fail = fail

    def run_phase(
        self, run: runner.PhaseRun, on_event: Callable[[runner.AnsibleEvent], None], cancelled: threading.Event
    ) -> runner.PhaseResult:
        self.runs.append(run)
        if cancelled.wait(self.seconds):
            return runner.PhaseResult(status="cancelled", rc=-9)
        return runner.PhaseResult(status="failed" if run.phase == self.fail else "succeeded", rc=0)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, "deployment")
    database.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "deployment"})
    await migrations.upgrade(database, MIGRATIONS)
    yield database
    await database.dispose()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeRunner:
    fake = FakeRunner()
    monkeypatch.setattr(runner, "run_phase", fake.run_phase)
    monkeypatch.setattr(
        runner, "prepare", lambda workdir, nodes, group_vars=None: workdir.mkdir(parents=True, exist_ok=True)
    )
    monkeypatch.setattr(pump, "PUBLISH_GRACE_SECONDS", 0.0)  # no NATS: nothing is published
    monkeypatch.setattr(worker, "CANCEL_POLL_SECONDS", 0.02)
    monkeypatch.setattr(service.SERVICE, "kinds", KindRegistry())  # no kind: no cluster to tell
    return fake


def make_worker(db: Database, tmp_path: Path, run_vars: Any = None) -> worker.Worker:
    async def no_nodes(spec: dict[str, Any]) -> list[runner.NodeAccess]:
        return []

    bus: Any = SimpleNamespace(nc=None, connected=False, js=None)
    ansible = AnsibleExecutor(nodes=no_nodes, playbooks_dir=tmp_path, run_vars=run_vars)
    return worker.Worker(
        db, bus, tables=TABLES, channels=CHANNELS, kinds=service.SERVICE.kinds, executors={"ansible": ansible},
        work_dir=tmp_path / "ops", phase_timeout_seconds=60, concurrency=1,
    )  # fmt: skip


async def create(db: Database, cluster_id: str = "c1", **extravars: Any) -> str:
    async with db.transaction() as session:
        op = await service.create(
            session, project_id="p1", cluster_id=cluster_id, kind="deploy", phases=PHASES,
            spec={"nodes": [], "extravars": extravars}, created_by="pm",
        )  # fmt: skip
        return op.id


async def cancel(db: Database, operation_id: str) -> str:
    """The cancel endpoint's work in its own transaction; the status it answers."""
    async with db.transaction() as session:
        return (await service.cancel(session, ADMIN, operation_id)).status


async def state(db: Database, operation_id: str) -> tuple[Operation, list[tuple[str, str, str]]]:
    async with db.transaction() as session:
        repo = OperationRepository(session, TABLES)
        op = await repo.get(operation_id)
        assert op is not None
        events = [(e.phase, e.kind, e.status) for e in await repo.events(operation_id, 0, 1000)]
        return op, events


async def test_a_cancelled_queued_operation_never_starts(db: Database, fake: FakeRunner, tmp_path: Path) -> None:
    op_id = await create(db)
    assert await cancel(db, op_id) == "cancelled"
    await make_worker(db, tmp_path).execute(op_id)
    op, events = await state(db, op_id)
    assert (op.status, op.attempts, op.started_at) == ("cancelled", 0, None)
    assert [p.status for p in op.phases] == ["cancelled"] * 3
    assert fake.runs == [] and events == []


async def test_a_cancel_landing_while_the_worker_starts_never_answers_cancelled_for_a_run(
    db: Database, fake: FakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cancel is sent right after the worker's first read of the operation (issue 12 §3's race).

    Either the cancel wins (answers `cancelled`, nothing runs) or the worker's claim does (the cancel
    answers `running` and the operation is stopped); never `cancelled` and then a phase.
    """
    fake.seconds = 5.0  # a phase that starts is stopped by the watch, long before this
    op_id = await create(db)
    sent: list[asyncio.Task[str]] = []
    real_get = OperationRepository.get

    async def get_then_cancel(self: OperationRepository, id_: Any) -> Operation | None:
        found = await real_get(self, id_)
        if not sent:
            sent.append(asyncio.create_task(cancel(db, op_id)))
            await asyncio.wait(sent, timeout=0.5)  # done unless the worker's claim holds the row
        return found

    monkeypatch.setattr(OperationRepository, "get", get_then_cancel)
    await make_worker(db, tmp_path).execute(op_id)
    answered = await sent[0]
    monkeypatch.setattr(OperationRepository, "get", real_get)
    op, events = await state(db, op_id)
    assert op.status == "cancelled", (answered, op.status, fake.runs)
    if answered == "cancelled":
        assert fake.runs == [] and events == []
    else:
        assert answered == "running" and len(fake.runs) <= 1 and events[-1][1:] == ("end", "cancelled")


async def test_cancel_and_claim_racing_always_agree(db: Database, fake: FakeRunner, tmp_path: Path) -> None:
    fake.seconds = 5.0  # a phase that runs is stopped by the watch, long before this
    w = make_worker(db, tmp_path)
    outcomes: set[str] = set()
    for i in range(25):
        op_id = await create(db, cluster_id=f"c{i}")
        runs_before = len(fake.runs)
        # The worker starts a little later or earlier each time, so that each side wins some.
        answered, _ = await asyncio.gather(cancel(db, op_id), later(w.execute(op_id), (i % 5) * 0.003))
        op, events = await state(db, op_id)
        ran = len(fake.runs) - runs_before
        assert op.status == "cancelled", (i, answered, op.status)
        if answered == "cancelled":
            assert ran == 0 and op.attempts == 0 and op.started_at is None and events == [], (i, ran, events)
        else:  # the worker's claim won: the cancel became a request, seen before or during a phase
            assert answered == "running" and op.attempts == 1
            assert ran <= 1 and events[-1][1:] == ("end", "cancelled"), (i, ran, events)
        outcomes.add(answered)
    assert outcomes == {"cancelled", "running"}  # the race was run, not only one side of it


async def later(work: Awaitable[T], seconds: float) -> T:
    await asyncio.sleep(seconds)
    return await work


async def test_a_cancel_between_phases_stops_before_the_next_playbook(
    db: Database, fake: FakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    op_id = await create(db)

    def first_then_cancel(
        run: runner.PhaseRun, on_event: Callable[[runner.AnsibleEvent], None], cancelled: threading.Event
    ) -> runner.PhaseResult:
        result = fake.run_phase(run, on_event, cancelled)
        # The cancel lands as phase one ends; its NATS message is lost and the next poll is far away.
        asyncio.run(_cancel_other_loop(db.url, op_id))
        return result

    monkeypatch.setattr(runner, "run_phase", first_then_cancel)
    monkeypatch.setattr(worker, "CANCEL_POLL_SECONDS", 60.0)
    await make_worker(db, tmp_path).execute(op_id)
    op, events = await state(db, op_id)
    assert [r.phase for r in fake.runs] == ["one"]
    assert op.status == "cancelled"
    assert [p.status for p in op.phases] == ["succeeded", "cancelled", "cancelled"]
    assert events[-1] == ("two", "end", "cancelled")


async def _cancel_other_loop(url: str, operation_id: str) -> None:
    other = Database(url, "deployment")
    other.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "deployment"})
    try:
        assert await cancel(other, operation_id) == "running"
    finally:
        await other.dispose()


async def test_the_end_event_names_the_phase_that_failed(db: Database, fake: FakeRunner, tmp_path: Path) -> None:
    fake.fail = "two"
    op_id = await create(db)
    await make_worker(db, tmp_path).execute(op_id)
    op, events = await state(db, op_id)
    assert op.status == "failed"
    assert events[-1] == ("two", "end", "failed")
    assert [r.phase for r in fake.runs] == ["one", "two"]


async def test_two_retries_at_once_queue_it_once(db: Database, fake: FakeRunner) -> None:
    async def retry() -> str:
        try:
            async with db.transaction() as session:
                return (await service.retry(session, ADMIN, op_id)).status
        except Conflict:
            return "conflict"

    for i in range(10):
        op_id = await create(db, cluster_id=f"r{i}")
        assert await cancel(db, op_id) == "cancelled"
        answers = sorted(await asyncio.gather(retry(), retry()))
        assert answers == ["conflict", "queued"], (i, answers)
        op, _ = await state(db, op_id)
        assert (op.status, op.cancel_requested, op.ended_at) == ("queued", False, None)
        assert [p.status for p in op.phases] == ["pending"] * 3
        assert await cancel(db, op_id) == "cancelled"  # a retried, queued one ends at once too


async def test_run_vars_are_merged_over_the_spec_for_every_phase(
    db: Database, fake: FakeRunner, tmp_path: Path
) -> None:
    op_id = await create(db, ko_cluster={"name": "c", "network": {"plugin": "flannel", "mtu": 1450}}, keep=1)
    seen: list[dict[str, Any]] = []

    def current(spec: dict[str, Any]) -> dict[str, Any]:
        seen.append(spec)
        return {"ko_cluster": {"network": {"plugin": "calico"}}, "ko_registry": "10.0.0.1:8083"}

    await make_worker(db, tmp_path, run_vars=current).execute(op_id)
    assert len(seen) == 1 and seen[0]["extravars"]["keep"] == 1
    assert len(fake.runs) == 3
    for run in fake.runs:
        assert run.extravars["ko_cluster"] == {"name": "c", "network": {"plugin": "calico", "mtu": 1450}}
        assert run.extravars["keep"] == 1 and run.extravars["ko_registry"] == "10.0.0.1:8083"
        assert run.extravars["ko_artifacts_dir"] == str(tmp_path / "ops" / op_id / "artifacts")


@pytest.mark.parametrize("when", ["queued", "after phase one"])
async def test_a_cancelled_deploy_leaves_the_cluster_saying_cancelled(
    db: Database, fake: FakeRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    async with db.transaction() as session:
        session.add(Cluster(id="c1", project_id="p1", name="c1", version="1.36.0", status="deploying", spec={}))
    kinds = KindRegistry()
    cluster_kinds.register(kinds, tmp_path, None)
    monkeypatch.setattr(service.SERVICE, "kinds", kinds)
    op_id = await create(db)
    if when == "queued":
        assert await cancel(db, op_id) == "cancelled"
    else:

        def one_then_cancel(
            run: runner.PhaseRun, on_event: Callable[[runner.AnsibleEvent], None], cancelled: threading.Event
        ) -> runner.PhaseResult:
            result = fake.run_phase(run, on_event, cancelled)
            asyncio.run(_cancel_other_loop(db.url, op_id))
            return result

        monkeypatch.setattr(runner, "run_phase", one_then_cancel)
        await make_worker(db, tmp_path).execute(op_id)
    async with db.transaction() as session:
        cluster = await session.get(Cluster, "c1")
        assert cluster is not None
        phase = "one" if when == "queued" else "two"
        assert (cluster.status, cluster.status_message) == (
            "failed",
            f"The deploy was cancelled at phase {phase}. Retry it to resume there, or delete the cluster.",
        )
