"""Benchmark: operation events persisted and published per second at saturation (issue 4).

Feeds the deployment worker's EventPump (counters, batched storage, publication on JetStream) with
synthetic Ansible events as fast as it takes them, against a real nats-server and SQLite (or the
PostgreSQL given with --database-url), and reads them back from the stream. Target: >= 10,000 events/s.

    .venv/bin/python bench/pump_throughput.py [--events 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ko_common import migrations
from ko_common.bus import EventBus
from ko_common.db import Database
from ko_common.operations.ansible.runner import AnsibleEvent
from ko_common.operations.pump import EventPump
from ko_deployment.models import Base
from ko_deployment.operations.events import CHANNELS
from ko_deployment.operations.models import TABLES, Operation
from tests.support.procs import start_nats

MIGRATIONS = Path(__file__).resolve().parents[1] / "services" / "ko_deployment" / "migrations"


async def run(events: int, database_url: str, nats_url: str) -> None:
    db = Database(database_url, "deployment")
    await migrations.upgrade(db, MIGRATIONS)
    async with db.transaction() as session:
        session.add(Operation(id="bench-op", project_id="p", cluster_id="c", kind="bench", status="running", spec={}))
    bus = EventBus(nats_url, "bench")
    await bus.connect()
    pump = EventPump(db, bus, TABLES, CHANNELS, "bench-op", "p", 0)
    pump.start()
    sample = AnsibleEvent(
        kind="task_result", status="ok", host="node1", task="Bench | Task", play="Bench", changed=False,
        duration_ms=3, excerpt="ok: [node1]", time=datetime.now(UTC),
    )  # fmt: skip
    t0 = time.perf_counter()
    for i in range(events):
        pump._put("bench", sample)  # the worker's own entry point for events
        if i % 1000 == 0:
            await asyncio.sleep(0)
    await pump.stop()
    elapsed = time.perf_counter() - t0
    print(f"{events} events stored and published in {elapsed:.2f} s: {events / elapsed:,.0f} events/s "
          "(target >= 10,000)")  # fmt: skip

    nc = await nats.connect(nats_url)
    sub = await nc.jetstream().pull_subscribe(
        "ko.deployment.operation.bench-op.event", stream="KO_OPERATION_EVENTS",
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )  # fmt: skip
    got, t0 = 0, time.perf_counter()
    while got < events:
        got += len(await sub.fetch(batch=1000, timeout=5))
    print(f"read back from the stream: {got} events in {time.perf_counter() - t0:.2f} s")
    await nc.close()
    await bus.close()
    await db.dispose()
    _ = Base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ko-bench-"))
    server = start_nats(tmp / "nats")
    try:
        url = args.database_url or f"sqlite+aiosqlite:///{tmp}/deployment.db"
        asyncio.run(run(args.events, url, server.url))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
