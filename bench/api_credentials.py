"""Benchmark: GET /api/v1/credentials (a page of 50) through the gateway, and idle memory.

Starts the whole product the way `make run` does (own NATS, SQLite, temp data
dir, free port), stores 1,000 credentials through the API, then runs 20
concurrent clients for a bounded number of requests and prints requests/s and
p50/p99 latency; finally the resident memory of the whole product at idle.
Targets (issue 2): p99 < 100 ms; idle RSS < 800 MiB.

    .venv/bin/python bench/api_credentials.py [--requests 4000] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.procs import start_nats
from tests.support.stack import start_stack


def tree_rss_mib(root_pid: int) -> float:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


async def seed(url: str, token: str, project: str, n: int, concurrency: int) -> None:
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:

        async def one(i: int) -> None:
            async with sem:
                r = await c.post(
                    "/api/v1/credentials",
                    json={
                        "project_id": project,
                        "name": f"bench-{i:04d}",
                        "username": "root",
                        "auth_type": "password",
                        "password": f"bench-password-{i}",
                    },
                )
                r.raise_for_status()

        await asyncio.gather(*(one(i) for i in range(n)))


async def load(url: str, token: str, total: int, clients: int) -> tuple[list[float], float]:
    latencies: list[float] = []
    counter = iter(range(total))
    async with httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        limits=httpx.Limits(max_connections=clients),
    ) as c:

        async def worker() -> None:
            for _ in counter:
                t0 = time.perf_counter()
                r = await c.get("/api/v1/credentials", params={"limit": 50})
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200 and len(r.json()["items"]) == 50

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        return latencies, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--credentials", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ko-bench-"))
    nats = start_nats(tmp / "nats")
    stack = start_stack(tmp / "data", nats.url, {"KO_LOG_LEVEL": "WARNING"})
    try:
        token = stack.token()
        project = httpx.get(stack.url + "/api/v1/projects", headers={"Authorization": f"Bearer {token}"}).json()[
            "items"
        ][0]["id"]
        t0 = time.perf_counter()
        asyncio.run(seed(stack.url, token, project, args.credentials, args.clients))
        print(f"seeded {args.credentials} credentials in {time.perf_counter() - t0:.1f} s")
        asyncio.run(load(stack.url, token, 200, args.clients))  # warm-up
        lat, elapsed = asyncio.run(load(stack.url, token, args.requests, args.clients))
        lat.sort()
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
        print(f"GET /api/v1/credentials?limit=50, {args.clients} clients, {len(lat)} requests:")
        print(
            f"  throughput {len(lat) / elapsed:.0f} req/s   p50 {p(0.50):.1f} ms   p99 {p(0.99):.1f} ms"
            f"   mean {statistics.mean(lat) * 1000:.1f} ms   (target p99 < 100 ms)"
        )
        time.sleep(args.idle_seconds)
        product = tree_rss_mib(stack.proc.pid)
        nats_rss = tree_rss_mib(nats.proc.pid)
        print(
            f"idle resident memory: services {product:.0f} MiB + nats-server {nats_rss:.0f} MiB"
            f" = {product + nats_rss:.0f} MiB   (target < 800 MiB)"
        )
        print(f"cpu count {os.cpu_count()}")
    finally:
        stack.stop()
        nats.stop()


if __name__ == "__main__":
    main()
