"""Health polling at scale (issue 16): how many clusters one observability process checks every interval.

The real HealthPoller (its probe, ko_common.kubeclient, the service's SQLite with its migrations) polls
N clusters at the service's defaults (30 s interval, 5 s timeout, 20 checks at once) in this process.
The clusters are one HTTPS server in another process (uvicorn on loopback, so its CPU is not counted):
each cluster's kubeconfig names its own path prefix (https://127.0.0.1:<port>/c/<i>), the server asks
for the admin client certificate (RSA 2048, as kubeadm issues them) and answers /readyz?verbose, the
nodes (1 to 5, realistic objects) and kube-system's control-plane pods after 20-80 ms each. A few
clusters are bad: slow (answer after 8 s: cut at the timeout), silent (the port takes connections and
never answers) or refused. The kubeconfigs come from an in-process AccessSource (no deployment
service). Every cluster is due at once at the start, as after a restart; the figures are taken over
the intervals after that first pass.

Printed per size: the first pass's length, the lag between each check's due time and its start
(p50, p99, max; target p99 < 5 s), the poller's CPU seconds per wall second (target < 1 core), and
the verdicts. A 2-core machine shared with other work: the load average is printed beside.

    .venv/bin/python bench/health_scale.py [--clusters 1000,2000] [--cycles 3] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import datetime as dt
import ipaddress
import itertools
import json
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ko_common.cluster_access import ClusterAccess
from ko_common.db import utcnow
from ko_observability.health.models import ClusterHealth
from ko_observability.health.poller import HealthPolicy, HealthPoller
from ko_observability.health.probe import Verdict
from tests.observability.health import observability_database
from tests.support.procs import free_port

TARGET_LAG_P99 = 5.0
TARGET_CORES = 1.0
SLOW_SECONDS = 8.0

# --- the simulated clusters' API servers (another process) ---------------------------------------


def _pki(d: Path) -> None:
    """A CA, the server's certificate for 127.0.0.1 and the admin's client certificate, all RSA 2048."""
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])

    def sign(name: x509.Name, public: Any, ca: bool, extra: list[Any]) -> x509.Certificate:
        b = (x509.CertificateBuilder().subject_name(name).issuer_name(ca_name).public_key(public)
             .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
             .not_valid_after(now + dt.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))  # fmt: skip
        for ext in extra:
            b = b.add_extension(ext, critical=False)
        return b.sign(ca_key, hashes.SHA256())

    def write(name: str, cert: x509.Certificate, key: Any) -> None:
        (d / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (d / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))  # fmt: skip

    write("ca", sign(ca_name, ca_key.public_key(), True, []), ca_key)
    server_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    server = sign(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]), server_key.public_key(),
                  False, [san, x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])])  # fmt: skip
    write("apiserver", server, server_key)
    admin_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    admin_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
                            x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes-admin")])  # fmt: skip
    write("admin", sign(admin_name, admin_key.public_key(), False,
                        [x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])]), admin_key)  # fmt: skip


def _node(name: str) -> dict[str, Any]:
    """A node as a kubelet reports it (conditions, addresses, capacity, node info, its images): ~5 KB."""
    conditions = [{"type": t, "status": "False", "reason": f"Kubelet Has Sufficient {t}", "message": "ok",
                   "lastHeartbeatTime": "2025-01-01T00:00:00Z", "lastTransitionTime": "2025-01-01T00:00:00Z"}
                  for t in ("MemoryPressure", "DiskPressure", "PIDPressure")]  # fmt: skip
    conditions.append({"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is ready",
                       "lastHeartbeatTime": "2025-01-01T00:00:00Z",
                       "lastTransitionTime": "2025-01-01T00:00:00Z"})  # fmt: skip
    image = "registry.local:8082/library/image"
    images = [{"names": [f"{image}-{k}@sha256:{'a' * 64}", f"{image}-{k}:v1.{k}"], "sizeBytes": 10_000_000 + k}
              for k in range(20)]  # fmt: skip
    resources = {"cpu": "8", "memory": "32827220Ki", "pods": "110", "ephemeral-storage": "102350Mi"}
    return {
        "metadata": {"name": name, "uid": f"uid-{name}", "resourceVersion": "12345",
                     "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/control-plane": ""},
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
        "status": {"conditions": conditions, "capacity": resources, "allocatable": resources,
                   "addresses": [{"type": "InternalIP", "address": "10.0.0.11"}, {"type": "Hostname", "address": name}],
                   "nodeInfo": {"kubeletVersion": "v1.36.1", "containerRuntimeVersion": "containerd://2.1.0",
                                "kernelVersion": "6.1.0-30-amd64", "osImage": "Debian GNU/Linux 12 (bookworm)",
                                "operatingSystem": "linux", "architecture": "amd64"},
                   "images": images},
    }  # fmt: skip


def _pod(component: str, node: str) -> dict[str, Any]:
    flags = [f"--{component}-flag-{k}=value-{k}" for k in range(25)]
    return {
        "metadata": {"name": f"{component}-{node}", "namespace": "kube-system", "uid": f"uid-{component}-{node}",
                     "labels": {"component": component, "tier": "control-plane"}},
        "spec": {"nodeName": node, "containers": [{"name": component, "command": [component, *flags],
                                                   "image": f"registry.local:8082/{component}:v1.36.1"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": component, "ready": True, "restartCount": 0}]},
    }  # fmt: skip


READYZ = "\n".join(
    [f"[+]{c} ok" for c in ("ping", "log", "etcd", "etcd-readiness", "informer-sync", "api-service-available")]
    + [f"[+]poststarthook/{h} ok" for h in ("start-apiserver-admission-initializer",
       "generic-apiserver-start-informers", "priority-and-fairness-config-consumer",
       "start-apiextensions-informers", "crd-informer-synced",
       "rbac/bootstrap-roles", "scheduling/bootstrap-system-priority-classes", "apiservice-registration-controller")]
    + ["[+]shutdown ok", "readyz check passed", ""]
).encode()  # fmt: skip


def _bodies() -> dict[tuple[str, int], bytes]:
    out = {}
    for n in range(1, 6):
        nodes = [f"node-{k}" for k in range(n)]
        out[("nodes", n)] = json.dumps({"kind": "NodeList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                                        "items": [_node(x) for x in nodes]}).encode()  # fmt: skip
        masters = nodes[: min(3, n)]
        pods = [_pod(c, m) for m in masters for c in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")]
        out[("pods", n)] = json.dumps({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                                       "items": pods}).encode()  # fmt: skip
    return out


def serve(pki: Path, port: int, silent_port: int) -> None:
    """The clusters' API servers; prints "ready" once listening. /c/<i>/... answers, /s/<i>/... is slow."""
    import uvicorn

    bodies = _bodies()
    silent = socket.socket()
    silent.bind(("127.0.0.1", silent_port))
    silent.listen(16)  # never accepted: a hung API server

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        parts = scope["path"].split("/", 3)  # "", c|s, i, rest
        kind, index, rest = parts[1], int(parts[2]), "/" + parts[3]
        await asyncio.sleep(SLOW_SECONDS if kind == "s" else random.uniform(0.02, 0.08))
        n = 1 + index % 5
        if rest == "/readyz":
            body, ctype = READYZ, b"text/plain; charset=utf-8"
        elif rest == "/api/v1/nodes":
            body, ctype = bodies[("nodes", n)], b"application/json"
        elif rest == "/api/v1/namespaces/kube-system/pods":
            body, ctype = bodies[("pods", n)], b"application/json"
        else:
            body, ctype = b'{"kind":"Status","code":404}', b"application/json"
        status = 404 if body.startswith(b'{"kind":"Status"') else 200
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})

    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, backlog=4096, lifespan="off",
        ssl_certfile=str(pki / "apiserver.crt"), ssl_keyfile=str(pki / "apiserver.key"),
        ssl_ca_certs=str(pki / "ca.crt"), ssl_cert_reqs=ssl.CERT_REQUIRED, timeout_keep_alive=10,
    )  # fmt: skip
    server = uvicorn.Server(config)

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        print("ready", flush=True)
        await task

    asyncio.run(main())


# --- the poller under test (this process) --------------------------------------------------------


class Access:
    """The AccessSource the poller reads kubeconfigs from: the deployment service's answer, in process."""

    def __init__(self, kubeconfigs: dict[str, str]) -> None:
        self.kubeconfigs = kubeconfigs
        self.calls = 0

    async def kubeconfig(self, cluster_id: str) -> ClusterAccess:
        self.calls += 1
        return ClusterAccess(cluster_id, "p1", f"c-{cluster_id}", None, self.kubeconfigs[cluster_id])


def kubeconfig(pki: Path, server: str) -> str:
    def b64(name: str) -> str:
        return base64.b64encode((pki / name).read_bytes()).decode()

    return yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "kubernetes-admin@kubernetes",
        "clusters": [{"name": "kubernetes",
                      "cluster": {"server": server, "certificate-authority-data": b64("ca.crt")}}],
        "contexts": [{"name": "kubernetes-admin@kubernetes",
                      "context": {"cluster": "kubernetes", "user": "kubernetes-admin"}}],
        "users": [{"name": "kubernetes-admin", "user": {"client-certificate-data": b64("admin.crt"),
                                                        "client-key-data": b64("admin.key")}}],
    })  # fmt: skip


class TimedPoller(HealthPoller):
    """The real poller; notes when each check starts (its due time is the previous start plus the interval)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.starts: dict[str, list[float]] = collections.defaultdict(list)
        self.states: collections.Counter[str] = collections.Counter()

    async def verdict(self, cluster_id: str) -> Verdict | None:
        self.starts[cluster_id].append(time.time())
        result = await super().verdict(cluster_id)
        self.states[result.state if result else "no kubeconfig"] += 1
        return result


def _quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def run_size(work: Path, pki: Path, port: int, silent_port: int, n: int, args: argparse.Namespace) -> bool:
    refused_port = free_port()
    bad = round(n * args.bad_percent / 100)
    urls: dict[str, str] = {}
    for i in range(n):
        cid = f"c{i:05d}"
        if i < bad:  # one in three of each: slow, silent, refused
            urls[cid] = (f"https://127.0.0.1:{port}/s/{i}", f"https://127.0.0.1:{silent_port}",
                         f"https://127.0.0.1:{refused_port}")[i % 3]  # fmt: skip
        else:
            urls[cid] = f"https://127.0.0.1:{port}/c/{i}"
    access = Access({cid: kubeconfig(pki, url) for cid, url in urls.items()})
    db_file = work / f"observability-{n}.db"
    db = await observability_database(f"sqlite+aiosqlite:///{db_file}")
    start = utcnow()
    rows = [dict(cluster_id=cid, project_id="p1", name=f"c-{cid}", cluster_status="running", announced_at=start,
                 state="unknown", reasons="[]", findings="[]", due_at=start) for cid in urls]  # fmt: skip
    async with db.transaction() as session:
        await session.execute(insert(ClusterHealth), rows)
    policy = HealthPolicy(interval_seconds=args.interval, concurrency=args.concurrency)
    poller = TimedPoller(db, access, policy, name="bench")
    t0 = time.time()
    task = asyncio.create_task(poller.run())
    while sum(1 for s in poller.starts.values() if s) < n:  # the first pass: everything due at once
        await asyncio.sleep(0.1)
    first_pass = time.time() - t0
    # Measure after the first pass and at least one interval after the start, for --cycles intervals.
    await asyncio.sleep(max(0.0, t0 + args.interval - time.time()))
    m0, cpu0, load0 = time.time(), time.process_time(), os.getloadavg()[0]
    await asyncio.sleep(args.interval * args.cycles)
    m1, cpu1, load1 = time.time(), time.process_time(), os.getloadavg()[0]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await db.dispose()
    lags, overdue = [], 0
    for starts in poller.starts.values():
        lags += [now - (before + args.interval) for before, now in itertools.pairwise(starts) if now >= m0]
        if starts[-1] + args.interval < m1 - TARGET_LAG_P99:  # due, not checked by the end: its lag so far
            overdue += 1
            lags.append(m1 - starts[-1] - args.interval)
    checks = sum(1 for s in poller.starts.values() for t in s if m0 <= t <= m1)
    cores = (cpu1 - cpu0) / (m1 - m0)
    p50, p99 = _quantile(lags, 0.5), _quantile(lags, 0.99)
    print(f"\n{n} clusters ({bad} bad: slow {SLOW_SECONDS:g} s, silent or refused), interval {args.interval:g} s, "
          f"concurrency {args.concurrency}, timeout {policy.timeout_seconds:g} s")  # fmt: skip
    print(f"  first pass (all due at once): {first_pass:.1f} s")
    print(f"  measured {m1 - m0:.0f} s: {checks} checks ({checks / (m1 - m0):.1f}/s), kubeconfig fetches "
          f"{access.calls}")  # fmt: skip
    print(f"  lag due -> check: p50 {p50:.2f} s, p99 {p99:.2f} s, max {max(lags, default=float('nan')):.2f} s "
          f"over {len(lags)} checks, {overdue} overdue at the end (target p99 < {TARGET_LAG_P99:g} s)")  # fmt: skip
    print(f"  poller CPU: {cores:.2f} core (target < {TARGET_CORES:g}), {(cpu1 - cpu0) / max(checks, 1) * 1000:.1f} ms "
          f"a check; load average {load0:.1f} -> {load1:.1f}")  # fmt: skip
    print(f"  verdicts: {dict(poller.states)}")
    return p99 < TARGET_LAG_P99 and cores < TARGET_CORES


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clusters", default="1000,2000", help="sizes, comma-separated; stops after a failed one")
    parser.add_argument("--interval", type=float, default=30.0)
    parser.add_argument("--cycles", type=int, default=3, help="intervals measured after the first")
    parser.add_argument("--concurrency", type=int, default=HealthPolicy.concurrency)
    parser.add_argument("--bad-percent", type=float, default=1.0, help="slow, silent or refused clusters")
    parser.add_argument("--serve", nargs=3, metavar=("PKI", "PORT", "SILENT_PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(Path(args.serve[0]), int(args.serve[1]), int(args.serve[2]))
        return 0
    work = Path(tempfile.mkdtemp(prefix="ko-bench-health-"))
    pki = work / "pki"
    pki.mkdir()
    _pki(pki)
    port, silent_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(pki), str(port), str(silent_port)],
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready", (
            "the bench server did not start"
        )
        print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; uvloop event loop as the service runs")
        import uvloop

        ok = True
        for n in (int(x) for x in args.clusters.split(",")):
            server_cpu = _cpu_seconds(server.pid)
            ok = uvloop.run(run_size(work, pki, port, silent_port, n, args))
            print(f"  (the bench server used {_cpu_seconds(server.pid) - server_cpu:.0f} CPU s meanwhile)")
            if not ok:
                print("  target missed: larger sizes not run")
                break
        return 0  # a missed target is printed; `make bench` goes on with the next benchmark
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
