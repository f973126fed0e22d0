"""Kubernetes-event ingest (issue 16): events stored and searchable per second from one busy cluster.

The real observability service (uvicorn, its SQLite, NATS JetStream, the Kubernetes-event watcher at its
defaults) gets the cluster's admin kubeconfig from the real deployment service, as in the product; both
are served in this process. What counts is what its API answers: GET /api/v1/cluster-events?cluster_id=
(total) is read every 0.2 s, so an event counts once it is stored and searchable.

Two sources of events:
1. A real kube-apiserver (tests/support/kube_control_plane.py) with etcd: --listed events created before
   the service starts (it lists them, 500 a page), then --burst events created while it watches. The
   events are created by another process (--creators concurrent POSTs), so the API server's own write
   rate is printed beside: on this machine it, not the watcher, may bound the watched rate.
2. A bench server speaking the watch protocol (another process): --listed events in pages, then a watch
   streaming --streamed events as fast as the watcher reads them: the watcher's own ceiling.

Target: at least 2,000 events/s stored and searchable. Also printed: the time of a few searches at the
stored volume. A 2-core machine shared with other work: the load average is printed beside.

    .venv/bin/python bench/kube_events_ingest.py [--listed 10000] [--burst 10000] [--streamed 40000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.health_scale import _pki, kubeconfig
from tests.observability.health import (
    announce,
    cluster_event,
    deployment_service,
    embedded,
    observability_database,
)
from tests.observability.support import ADMIN, Observability, serve, settings_for
from tests.support import kube_control_plane as kcp
from tests.support.procs import free_port, start_nats

TARGET_PER_SECOND = 2000
REASONS = [("Normal", r) for r in ("Scheduled", "Pulling", "Pulled", "Created", "Started", "Killing",
           "SuccessfulCreate", "ScalingReplicaSet")] + [("Warning", r) for r in ("BackOff", "FailedMount")]  # fmt: skip


def event_body(ns: str, i: int) -> dict[str, Any]:
    """A core v1 Event as the kubelet or a controller writes it (~700 bytes)."""
    kind, reason = REASONS[i % len(REASONS)]
    pod = f"web-{i % 500}-{uuid.uuid4().hex[:5]}"
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{pod}.{uuid.uuid4().hex[:16]}", "namespace": ns},
        "involvedObject": {"kind": "Pod", "namespace": ns, "name": pod, "apiVersion": "v1",
                           "uid": str(uuid.uuid4()), "fieldPath": "spec.containers{web}"},
        "reason": reason, "type": kind, "count": 1, "firstTimestamp": stamp, "lastTimestamp": stamp,
        "message": f"{reason}: container web of pod {ns}/{pod} ({'image web:1.2.3' if i % 3 else 'on node-7'})",
        "source": {"component": "kubelet", "host": f"node-{i % 7}"}, "reportingComponent": "kubelet",
        "reportingInstance": f"node-{i % 7}",
    }  # fmt: skip


# --- event creators (another process) ------------------------------------------------------------


def create(kubeconfig_file: Path, ns: str, count: int, concurrency: int) -> None:
    """POST ``count`` events into ``ns`` with ``concurrency`` requests in flight; prints the seconds taken."""
    config = json.loads(kubeconfig_file.read_text())
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    tls = ssl.create_default_context(cafile=cluster["certificate-authority"])
    tls.load_cert_chain(user["client-certificate"], user["client-key"])

    async def run() -> float:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=cluster["server"], verify=tls, limits=limits, timeout=60) as http:
            queue = iter(range(count))
            started = time.monotonic()

            async def worker() -> None:
                for i in queue:
                    r = await http.post(f"/api/v1/namespaces/{ns}/events", json=event_body(ns, i))
                    r.raise_for_status()

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return time.monotonic() - started

    print(f"{asyncio.run(run()):.3f}", flush=True)


def creator(plane: kcp.KubeControlPlane, ns: str, count: int, concurrency: int) -> subprocess.Popen[str]:
    args = [sys.executable, __file__, "--create", str(plane.kubeconfig), ns, str(count), str(concurrency)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True)


# --- a bench server speaking the watch protocol (another process) -------------------------------


def serve_watch(pki: Path, port: int, listed: int, streamed: int) -> None:
    """/api/v1/events: ``listed`` events in pages of ``limit``, then one watch of ``streamed`` events, then
    watches that stay open and quiet (the stream is over)."""
    import uvicorn

    def obj(i: int) -> dict[str, Any]:
        body = event_body("bench", i)
        body["metadata"] |= {"uid": f"uid-{i:08d}", "resourceVersion": str(10 + i),
                             "creationTimestamp": body["firstTimestamp"]}  # fmt: skip
        return body

    items = [obj(i) for i in range(listed)]
    lines = [json.dumps({"type": "ADDED", "object": obj(listed + i)}).encode() + b"\n" for i in range(streamed)]
    watches = 0

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal watches
        if scope["type"] != "http":
            return
        query = dict(p.split("=", 1) for p in scope["query_string"].decode().split("&") if "=" in p)
        headers = [(b"content-type", b"application/json")]
        if query.get("watch") in ("1", "true"):
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            watches += 1
            if watches == 1:
                for k in range(0, len(lines), 200):
                    await send({"type": "http.response.body", "body": b"".join(lines[k : k + 200]), "more_body": True})
            await asyncio.sleep(3600)
            return
        start, limit = int(query.get("continue") or 0), int(query.get("limit") or 500)
        page = items[start : start + limit]
        meta: dict[str, Any] = {"resourceVersion": str(9 + listed)}
        if start + limit < listed:
            meta["continue"] = str(start + limit)
        body = json.dumps({"kind": "EventList", "apiVersion": "v1", "metadata": meta, "items": page}).encode()
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off",
        ssl_certfile=str(pki / "apiserver.crt"), ssl_keyfile=str(pki / "apiserver.key"),
        ssl_ca_certs=str(pki / "ca.crt"), ssl_cert_reqs=ssl.CERT_REQUIRED,
    )  # fmt: skip
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        print("ready", flush=True)
        await task

    asyncio.run(main())


# --- measuring through the API ---------------------------------------------------------------------


def total(obs: Observability, cluster_id: str, **filters: str) -> int:
    r = obs.call("GET", "/api/v1/cluster-events", ADMIN, params={"cluster_id": cluster_id, "limit": 1} | filters)
    r.raise_for_status()
    return int(r.json()["total"])


def follow(obs: Observability, cluster_id: str, until: int, timeout: float) -> list[tuple[float, int]]:
    """(time, total searchable) every 0.2 s until ``until`` events are searchable."""
    samples = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples.append((time.monotonic(), total(obs, cluster_id)))
        if samples[-1][1] >= until:
            return samples
        time.sleep(0.2)
    raise TimeoutError(f"only {samples[-1][1]} of {until} events searchable after {timeout:g} s")


def rate(samples: list[tuple[float, int]], base: int) -> tuple[float, float]:
    """Events per second from the first sample above ``base`` to the last, and that span in seconds."""
    first = next((t, n) for t, n in samples if n > base)
    last = samples[-1]
    span = max(last[0] - first[0], 0.2)
    return (last[1] - first[1]) / span, span


def line(what: str, per_second: float, extra: str = "") -> str:
    return f"  {what:44} {per_second:8.0f}/s (target >= {TARGET_PER_SECOND}){extra}"


@contextmanager
def service(work: Path, kubeconfigs: dict[str, str]) -> Iterator[tuple[Observability, dict[str, str]]]:
    """The deployment service holding the clusters' kubeconfigs, the observability service watching them."""
    (work / "deployment").mkdir(parents=True, exist_ok=True)
    nats = start_nats(work / "nats")
    try:
        with deployment_service(work / "deployment", nats.url) as deployment:
            ids = {name: asyncio.run(deployment.seed(kc)) for name, kc in kubeconfigs.items()}
            url = f"sqlite+aiosqlite:///{work / 'observability.db'}"

            async def prepare() -> None:
                db = await observability_database(url)
                for cid in ids.values():
                    await announce(db, cluster_event("created", cid, "running"))
                await db.dispose()

            asyncio.run(prepare())
            settings = settings_for(work, url, nats.url, health_interval_seconds=0, deployment_url=deployment.base)
            with serve(settings) as obs:
                yield obs, ids
    finally:
        nats.stop()


def real_api_server(work: Path, args: argparse.Namespace) -> None:
    plane = kcp.start()
    try:
        plane.kubectl("create", "namespace", "bench")
        load = os.getloadavg()[0]
        made = creator(plane, "bench", args.listed, args.creators)
        created_s = float(made.communicate()[0])
        print(f"\nreal kube-apiserver {plane.binaries.version} (load average {load:.1f})")
        print(f"  API server's write rate: {args.listed / created_s:.0f} events/s created "
              f"({args.creators} concurrent POSTs from another process)")  # fmt: skip
        with service(work / "real", {"real": embedded(plane)}) as (obs, ids):
            cid = ids["real"]
            listed = follow(obs, cid, args.listed, timeout=300)
            per_s, span = rate(listed, 0)
            print(line(f"listed ({args.listed}, pages of 500)", per_s, f"  [{span:.1f} s]"))
            started = time.monotonic()
            made = creator(plane, "bench", args.burst, args.creators)
            watched = follow(obs, cid, args.listed + args.burst, timeout=600)
            created_s = float(made.communicate()[0])
            all_s = watched[-1][0] - started
            print(f"  burst: {args.burst} created in {created_s:.1f} s ({args.burst / created_s:.0f}/s), all "
                  f"searchable {all_s:.1f} s after the burst began "
                  f"({all_s - created_s:.1f} s after its last)")  # fmt: skip
            print(line("watched (bounded by the API server's writes)", args.burst / all_s))
            searches(obs, cid)
    finally:
        plane.stop()


def bench_server(work: Path, args: argparse.Namespace) -> None:
    pki = work / "pki"
    pki.mkdir()
    _pki(pki)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve-watch", str(pki), str(port), str(args.listed), str(args.streamed)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        print(f"\nbench watch server (load average {os.getloadavg()[0]:.1f})")
        with service(work / "fake", {"fake": kubeconfig(pki, f"https://127.0.0.1:{port}")}) as (obs, ids):
            cid = ids["fake"]
            listed = follow(obs, cid, args.listed, timeout=300)
            per_s, span = rate(listed, 0)
            print(line(f"listed ({args.listed}, pages of 500)", per_s, f"  [{span:.1f} s]"))
            watched = follow(obs, cid, args.listed + args.streamed, timeout=600)
            per_s, span = rate(watched, args.listed)
            print(line(f"watched ({args.streamed} streamed at once)", per_s, f"  [{span:.1f} s]"))
            searches(obs, cid)
    finally:
        server.kill()  # its watches stay open: a graceful stop would wait for them
        server.wait(timeout=10)


def searches(obs: Observability, cid: str) -> None:
    timings = []
    for filters in ({}, {"reason": "BackOff"}, {"type": "Warning", "namespace": "bench"}, {"q": "node-7"}):
        started = time.monotonic()
        n = total(obs, cid, **filters)
        timings.append(f"{'&'.join(f'{k}={v}' for k, v in filters.items()) or 'all'}: {n} in "
                       f"{(time.monotonic() - started) * 1000:.0f} ms")  # fmt: skip
    print("  searches (first page and total): " + "; ".join(timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listed", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--streamed", type=int, default=40_000)
    parser.add_argument("--creators", type=int, default=32)
    parser.add_argument("--only", choices=("real", "bench"), help="one source only")
    parser.add_argument("--create", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--serve-watch", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.create:
        create(Path(args.create[0]), args.create[1], int(args.create[2]), int(args.create[3]))
        return
    if args.serve_watch:
        pki, port, listed, streamed = args.serve_watch
        serve_watch(Path(pki), int(port), int(listed), int(streamed))
        return
    random.seed(1)
    work = Path(tempfile.mkdtemp(prefix="ko-bench-events-"))
    try:
        if args.only != "bench":
            real_api_server(work, args)
        if args.only != "real":
            bench_server(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
