"""The live relay of one operation's events (the console's deploy view), through the whole product.

The test plays the deployment worker's part: it stores events in deployment's database, then
publishes them on the operation's subject, in the worker's order (store, then publish). The relay
must back-fill, fill a gap from the store, never repeat a counter, resume from Last-Event-ID, and
end the stream once the operation has ended.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import nats
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from ko_common.db import new_id
from ko_deployment.operations.models import Operation, OperationEvent, OperationPhase
from tests.support.stack import Stack
from tests.system.helpers import API, LiveStream, World, sse_status, unique


class FakeWorker:
    """Stores and publishes operation events the way ko_deployment's worker does (test stand-in)."""

    def __init__(self, stack: Stack, project_id: str) -> None:
        self.stack = stack
        self.project_id = project_id
        self.engine = create_engine(f"sqlite:///{stack.data_dir / 'deployment.db'}")
        self.op_id = new_id()
        with Session(self.engine) as session, session.begin():
            session.add(
                Operation(
                    id=self.op_id, project_id=project_id, cluster_id=unique("live-cluster"), kind="test",
                    status="running", created_by="test", spec={}, attempts=1,
                    phases=[OperationPhase(position=0, name="one", target="x.yml", status="running")],
                )
            )  # fmt: skip

    def event(self, counter: int, kind: str = "task_result", status: str = "ok") -> dict[str, Any]:
        return {
            "operation_id": self.op_id, "counter": counter, "phase": "one", "kind": kind, "status": status,
            "host": "lab1", "task": f"Task {counter}", "changed": False, "duration_ms": 5, "excerpt": f"ok {counter}",
            "time": datetime.now(UTC).isoformat(),
        }  # fmt: skip

    def store(self, *counters: int, end: str | None = None) -> None:
        with Session(self.engine) as session, session.begin():
            for c in counters:
                e = self.event(c, "end" if end and c == counters[-1] else "task_result", end or "ok")
                e["time"] = datetime.fromisoformat(e["time"])
                session.add(OperationEvent(**e))
            values: dict[str, Any] = {"last_counter": counters[-1]}
            if end:
                values["status"] = end
            session.execute(update(Operation).where(Operation.id == self.op_id).values(**values))

    async def publish(self, *counters: int, end: str | None = None) -> None:
        nc = await nats.connect(self.stack.nats_url)
        try:
            js = nc.jetstream()
            for c in counters:
                data = self.event(c, "end" if end and c == counters[-1] else "task_result", end or "ok")
                env = {
                    "specversion": "1.0", "id": f"{self.op_id}:{c}", "source": "ko/deployment",
                    "type": "kubeoperator.deployment.operation.event.v1", "time": data["time"],
                    "subject": self.op_id, "projectid": self.project_id, "data": data,
                }  # fmt: skip
                await js.publish(
                    f"ko.deployment.operation.{self.op_id}.event", json.dumps(env).encode(),
                    headers={"Nats-Msg-Id": env["id"]},
                )  # fmt: skip
        finally:
            await nc.close()


async def counters_until(live: LiveStream, last: int) -> list[int]:
    seen: list[int] = []
    while not seen or seen[-1] < last:
        message = await live.next(timeout=10)
        assert message["event"] == "ko.operation-events", message
        seen += [e["counter"] for e in message["data"]]
        assert message["id"] == str(seen[-1])
    return seen


async def test_operation_events_live_with_back_fill_gap_fill_resume_and_end(stack: Stack, world: World) -> None:
    worker = FakeWorker(stack, world.a)
    worker.store(1, 2, 3, 4, 5)
    path = f"{API}/live/operations/{worker.op_id}"
    async with LiveStream(stack, path + "?after=2", world.ro.token) as live:
        assert live.status == 200, live.body
        assert await counters_until(live, 5) == [3, 4, 5]  # back-filled from the store
        worker.store(6)
        await worker.publish(6)
        assert await counters_until(live, 6) == [6]
        worker.store(7, 8)
        await worker.publish(8)  # 7 stored but not published (NATS was away, say)
        assert await counters_until(live, 8) == [7, 8]
        await worker.publish(6, 7)  # republished after a worker resumed: dropped
        worker.store(9, end="succeeded")
        await worker.publish(9, end="succeeded")
        assert await counters_until(live, 9) == [9]
        assert (await live.next())["event"] == "ko.operation-end"
        await live.ended.wait()

    # Resume after a reconnect: exactly what follows Last-Event-ID, then the end at once.
    async with LiveStream(stack, path, world.ro.token, headers={"Last-Event-ID": "7"}) as again:
        assert await counters_until(again, 9) == [8, 9]
        assert (await again.next())["event"] == "ko.operation-end"


async def test_operation_streams_are_authorised_by_project(stack: Stack, world: World) -> None:
    worker = FakeWorker(stack, world.a)
    path = f"{API}/live/operations/{worker.op_id}"
    assert await sse_status(stack, path, world.outsider.token) == 404
    assert await sse_status(stack, path) == 401
    assert await sse_status(stack, f"{API}/live/operations/{new_id()}", world.admin.token) == 404
