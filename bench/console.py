"""Benchmarks of the web console (issue 6), against the whole product on this machine:

1. The production bundle's initial JavaScript, gzipped: the entry script, the modules it preloads and
   the clusters page's chunks the gateway preloads with it, all a browser fetches before that page's first
   render (other pages' chunks excluded). Target: < 500 KB.
2. Time to first render of the clusters page on localhost in headless Chromium (Debian's chromium,
   playwright-core), a fresh browser context (cold HTTP cache) per run, logged in: navigation timing
   (TTFB, DOMContentLoaded, load), first contentful paint (index.html's splash, shown until the
   console renders), and when the clusters table shows its rows — the figure held to the target —
   and the side menu (rendered a frame after the page); median of N runs after two warm-up loads
   (they fill the gateway's file cache), with the median run's fetch waterfall. Target: < 1 s.
3. Event to visible log line: events published on NATS the way the deployment service's EventPump
   publishes them (core publish of the operation's envelope on ``ko.deployment.operation.<id>.event``
   with ``Nats-Msg-Id``), relayed by the gateway's live relay to the live deploy view; the page records
   when each line is in the DOM and painted. p50/p99 over >= 100 events. Target: p99 < 200 ms.

Starts its own NATS and product (temp data dir, KO_WORKERS=0, the built console from frontend/dist),
seeds the deployment database with clusters and one running operation, needs no lab.

    .venv/bin/python bench/console.py [--runs 10] [--events 200] [--build]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ko_common.db import new_id, utcnow  # noqa: E402
from ko_common.events import Envelope  # noqa: E402
from ko_common.operations.schemas import OperationEventOut  # noqa: E402
from ko_deployment.clusters.models import Cluster  # noqa: E402
from ko_deployment.operations import events  # noqa: E402
from ko_deployment.operations.models import Operation, OperationPhase  # noqa: E402
from tests.support.procs import start_nats  # noqa: E402
from tests.support.stack import ADMIN_PASSWORD, start_stack  # noqa: E402

FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "dist"
TARGETS = {"bundle_kb": 500.0, "render_ms": 1000.0, "latency_p99_ms": 200.0}


def initial_js_gzipped(page: str = "/clusters") -> tuple[float, list[tuple[str, int]]]:
    """The entry and the modules index.html preloads, plus the chunks the gateway preloads for `page` (the build's
    route-chunks.json, frontend/scripts/route-preload.ts): all a browser fetches before that page's first render."""
    html = (DIST / "index.html").read_text()
    files = [m for m in re.findall(r'<script[^>]+src="([^"]+\.js)"', html)]
    files += re.findall(r'<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"', html)
    table = DIST / "route-chunks.json"
    for pattern, chunks in json.loads(table.read_text())["routes"] if table.is_file() else []:
        if re.match(pattern, page):
            files += chunks
            break
    sizes = [
        (f, len(gzip.compress((DIST / f.lstrip("/")).read_bytes(), compresslevel=9))) for f in dict.fromkeys(files)
    ]
    return sum(s for _, s in sizes) / 1024, sizes


def seed(data_dir: Path, project_id: str, clusters: int) -> tuple[str, str]:
    """`clusters` running clusters and one deploying, whose running operation is returned (cluster, op)."""
    engine = create_engine(f"sqlite:///{data_dir / 'deployment.db'}")
    now = utcnow()
    with Session(engine) as session, session.begin():
        for i in range(clusters):
            session.add(Cluster(id=new_id(), project_id=project_id, name=f"bench-{i:02d}", version="1.36.0",
                                status="running", status_message="Running.", spec={"topology": "single"},
                                created_by="bench"))  # fmt: skip
        cluster_id, op_id = new_id(), new_id()
        session.add(Cluster(id=cluster_id, project_id=project_id, name="bench-live", version="1.36.0",
                            status="deploying", status_message="Deploying.", spec={"topology": "single"},
                            current_operation_id=op_id, created_by="bench"))  # fmt: skip
        op = Operation(id=op_id, project_id=project_id, cluster_id=cluster_id, kind="deploy", status="running",
                       created_by="bench", spec={}, attempts=1, started_at=now, heartbeat_at=now)  # fmt: skip
        op.phases = [OperationPhase(position=0, name="bench", target="bench.yml", status="running", runs=1,
                                    started_at=now)]  # fmt: skip
        session.add(op)
    engine.dispose()
    return cluster_id, op_id


async def publish(nats_url: str, project_id: str, op_id: str, count: int, interval: float) -> None:
    """One event every `interval` seconds, as EventPump._publish does (core publish, msg id, flush)."""
    nc = await nats.connect(nats_url)
    try:
        for counter in range(1, count + 1):
            stamp = int(time.time() * 1000)
            event = OperationEventOut(
                operation_id=op_id, counter=counter, phase="bench", kind="task_start", status="running",
                host=None, task=f"bench-{counter}-{stamp}", changed=False, duration_ms=None, excerpt="",
                time=datetime.now(UTC),
            )  # fmt: skip
            envelope = Envelope(
                id=f"{op_id}:{counter}", source="ko/deployment", type=events.TASK_EVENT.type, time=event.time,
                subject=op_id, projectid=project_id, data=event.model_dump(mode="json"),
            )  # fmt: skip
            await nc.publish(
                events.TASK_EVENT.subject_for(op_id),
                envelope.model_dump_json().encode(),
                headers={"Nats-Msg-Id": f"{op_id}:{counter}"},
            )
            await nc.flush(timeout=5)
            await asyncio.sleep(interval)
    finally:
        await nc.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="first renders of the clusters page (median)")
    parser.add_argument("--events", type=int, default=200, help="events published for the latency (>= 100)")
    parser.add_argument("--interval-ms", type=float, default=25.0, help="between two published events")
    parser.add_argument("--build", action="store_true", help="npm run build first (else the existing dist/)")
    args = parser.parse_args()
    node = shutil.which("npm")
    if node is None or not Path("/usr/bin/chromium").exists() or not (FRONTEND / "node_modules").is_dir():
        print("console bench needs npm, /usr/bin/chromium and frontend/node_modules (npm ci)", file=sys.stderr)
        return 2
    if args.build or not (DIST / "index.html").is_file():
        subprocess.run([node, "run", "build"], cwd=FRONTEND, check=True)

    load_before = os.getloadavg()[0]
    bundle_kb, files = initial_js_gzipped()
    print(f"1. initial JavaScript of the clusters page, gzipped: {bundle_kb:.1f} KB in {len(files)} files "
          f"(the entry, its preloads and the page's preloaded chunks; target < 500 KB)")  # fmt: skip

    tmp = Path(tempfile.mkdtemp(prefix="ko-bench-console-"))
    nats_server = start_nats(tmp / "nats")
    stack = None
    try:
        stack = start_stack(
            tmp / "data", nats_server.url,
            {"KO_LOG_LEVEL": "WARNING", "KO_WORKERS": "0", "KO_CONSOLE_DIR": str(DIST)},
        )  # fmt: skip
        http = httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {stack.token()}"}, timeout=60,
                            trust_env=False)  # fmt: skip
        project_id = next(p["id"] for p in http.get("/api/v1/projects").json()["items"] if p["name"] == "default")
        cluster_id, op_id = seed(stack.data_dir, project_id, clusters=20)
        assert http.get(f"/api/v1/operations/{op_id}").status_code == 200
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KO_")},
            "KO_BENCH_URL": stack.url, "KO_BENCH_PASSWORD": ADMIN_PASSWORD, "KO_BENCH_RUNS": str(args.runs),
            "KO_BENCH_OPERATION": f"/clusters/{cluster_id}/operations/{op_id}", "KO_BENCH_EVENTS": str(args.events),
        }  # fmt: skip
        proc = subprocess.Popen(
            ["node", "e2e/bench.mjs"], cwd=FRONTEND, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdin is not None and proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "READY":
                break
        else:
            raise RuntimeError(f"the browser part ended early (exit {proc.wait()})")
        asyncio.run(publish(nats_server.url, project_id, op_id, args.events, args.interval_ms / 1000))
        proc.stdin.write("PUBLISHED\n")
        proc.stdin.flush()
        out = proc.stdout.read()
        if proc.wait(120) != 0:
            raise RuntimeError(f"the browser part failed (exit {proc.returncode}): {out[-2000:]}")
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    finally:
        if stack is not None:
            stack.stop()
        nats_server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    render = result["render"]
    print(f"   (load average of this machine: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, "
          f"{os.cpu_count()} CPUs)")  # fmt: skip

    def med(key: str) -> float:
        values = [r[key] for r in render if r.get(key) is not None]
        return statistics.median(values) if values else float("nan")

    print(f"2. clusters page, first render, median of {len(render)} cold runs (target < 1000 ms):")
    for key, label in [("ttfb", "time to first byte"), ("fcp", "first paint (index.html splash)"),
                       ("domContentLoaded", "DOMContentLoaded"), ("load", "load event"),
                       ("table", "clusters table with its rows"), ("menu", "side menu (a frame later)")]:  # fmt: skip
        values = sorted(round(r[key]) for r in render if r.get(key) is not None)
        seen = f"(min {values[0]}, max {values[-1]})" if values else "(not seen)"
        print(f"   {label:32s} {med(key):7.0f} ms   {seen}")
    typical = sorted(render, key=lambda r: r["table"])[len(render) // 2]
    print(f"   what the median run fetched (ms from navigation start; the rows painted at {typical['table']:.0f}):")
    for res in sorted(typical.get("resources", []), key=lambda r: r["start"]):
        print(f"     {res['start']:6.0f} -> {res['end']:6.0f}  {res['path']}")
    latencies = result["latencies"]
    print(f"3. event on NATS -> log line painted in the deploy view, {len(latencies)}/{args.events} events "
          f"every {args.interval_ms:.0f} ms (target p99 < 200 ms):")  # fmt: skip
    if latencies:
        print(f"   p50 {percentile(latencies, 50):.0f} ms   p99 {percentile(latencies, 99):.0f} ms   "
              f"max {max(latencies):.0f} ms")  # fmt: skip
    missing = args.events - len(latencies)
    ok = (
        bundle_kb < TARGETS["bundle_kb"]
        and med("table") < TARGETS["render_ms"]
        and bool(latencies)
        and missing == 0
        and percentile(latencies, 99) < TARGETS["latency_p99_ms"]
    )
    print("all targets met" if ok else "some target is missed (or events were not seen)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
