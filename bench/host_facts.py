"""Benchmark: checking and gathering the facts of 6 lab hosts, in parallel versus one after another.

Starts its own lab (`kobenchf`, 10.213.7.0/24) and the whole product the way `make run` does (own
NATS, SQLite, temp data dir), registers the hosts through the public API (one CSV import), then
times, through the gateway:
  - one host:      POST /api/v1/hosts/{id}/check
  - sequential:    the same for each host, one after another
  - parallel:      POST /api/v1/hosts/checks {project_id} (the service visits them at once)
Each figure is the median of --repeat runs. Target (issue 3): parallel under twice one host.
Needs root (the lab).

    .venv/bin/python bench/host_facts.py [--hosts 6] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.lab.lab import Lab
from tests.support.procs import start_nats
from tests.support.stack import start_stack

API = "/api/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ko-bench-"))
    lab = Lab(args.hosts, name="kobenchf", subnet="10.213.7.0/24")
    nats = start_nats(tmp / "nats")
    stack = None
    try:
        lab.up()
        stack = start_stack(tmp / "data", nats.url, {"KO_LOG_LEVEL": "WARNING"})
        http = httpx.Client(
            base_url=stack.url, headers={"Authorization": f"Bearer {stack.token()}"}, timeout=120, trust_env=False
        )
        project = http.get(f"{API}/projects").json()["items"][0]["id"]
        key = Path(lab.hosts[0].key_path).read_text()
        cred = http.post(
            f"{API}/credentials",
            json={"project_id": project, "name": "bench-root", "username": "root", "auth_type": "private_key",
                  "private_key": key},
        )  # fmt: skip
        cred.raise_for_status()
        csv = "name,ip,credential\n" + "".join(f"{h.name},{h.ip},bench-root\n" for h in lab.hosts)
        t0 = time.perf_counter()
        report = http.post(
            f"{API}/hosts/import", params={"project_id": project}, content=csv, headers={"content-type": "text/csv"}
        ).json()
        print(f"import of {report['registered']} hosts (parallel visits): {time.perf_counter() - t0:.2f} s")
        assert report["registered"] == args.hosts, report
        ids = [row["host_id"] for row in report["rows"]]

        def timed(call: object) -> float:
            start = time.perf_counter()
            call()  # type: ignore[operator]
            return time.perf_counter() - start

        def one() -> None:
            assert http.post(f"{API}/hosts/{ids[0]}/check").json()["status"] == "ready"

        def sequential() -> None:
            for host_id in ids:
                assert http.post(f"{API}/hosts/{host_id}/check").json()["status"] == "ready"

        def parallel() -> None:
            assert http.post(f"{API}/hosts/checks", json={"project_id": project}).json()["ready"] == args.hosts

        one()  # warm-up
        figures = {
            name: statistics.median(timed(fn) for _ in range(args.repeat))
            for name, fn in (("one host", one), ("sequential", sequential), ("parallel", parallel))
        }
        print(f"check + facts, median of {args.repeat} runs, {args.hosts} hosts:")
        for name, seconds in figures.items():
            print(f"  {name:<11} {seconds * 1000:8.0f} ms")
        ratio = figures["parallel"] / figures["one host"]
        print(f"  parallel / one host = {ratio:.2f}   (target < 2)")
        print(f"  sequential / parallel = {figures['sequential'] / figures['parallel']:.2f}")
    finally:
        if stack is not None:
            stack.stop()
        nats.stop()
        lab.down()


if __name__ == "__main__":
    main()
