"""A cluster's monitoring add-on in tests: the real Prometheus server (Debian's ``prometheus``) scraping itself
and a stand-in exporter, a stand-in Grafana, both on this machine's non-loopback address (kube-apiserver's
service proxy refuses loopback endpoints), and selector-less Services with EndpointSlices pointing at them
in a namespace of the real control plane."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.kube_control_plane import KubeControlPlane

PROMETHEUS = Path("/usr/bin/prometheus")
SUB_PATH = "/api/v1/clusters/{cluster_id}/monitoring/grafana/"  # Grafana's root_url path in the add-on


def host_address() -> str:
    """This machine's address on its default route (no packet is sent); skips when it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.254", 9))
        except OSError:
            pytest.skip("no non-loopback IPv4 address: kube-apiserver's service proxy refuses loopback endpoints")
        address = str(s.getsockname()[0])
    if address.startswith("127."):
        pytest.skip("no non-loopback IPv4 address: kube-apiserver's service proxy refuses loopback endpoints")
    return address


def free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def exposition(started: float) -> str:
    """One node's node-exporter and kube-state-metrics series, as the stack's exporters label them: two
    cores, a quarter of a core busy (the user counter grows 0.25 s a second), 2 of 8 GB used, 2 pods."""
    busy = (time.time() - started) * 0.25
    ne = 'namespace="monitoring",pod="node-exporter-a"'
    lines = [
        f'node_cpu_seconds_total{{cpu="0",mode="idle",{ne}}} 1000',
        f'node_cpu_seconds_total{{cpu="1",mode="idle",{ne}}} 1000',
        f'node_cpu_seconds_total{{cpu="0",mode="user",{ne}}} {busy:.3f}',
        f"node_memory_MemTotal_bytes{{{ne}}} 8000000000",
        f"node_memory_MemAvailable_bytes{{{ne}}} 6000000000",
        f'kube_pod_info{{{ne},node="node-a"}} 1',
        'kube_pod_info{namespace="default",pod="web",node="node-a"} 1',
        f'kube_pod_status_phase{{{ne},phase="Running"}} 1',
        'kube_pod_status_phase{namespace="default",pod="web",phase="Running"} 1',
        'kube_pod_status_phase{namespace="default",pod="web",phase="Pending"} 0',
    ]
    return "\n".join(lines) + "\n"


class _StandIns(BaseHTTPRequestHandler):
    """``/metrics``: the exporter; anything else: Grafana served from its sub path (an HTML page with
    absolute links, a redirect, and ``api/user`` telling which headers reached it)."""

    started = time.time()

    def do_GET(self) -> None:
        if self.path == "/metrics":
            return self._send(200, "text/plain; version=0.0.4", exposition(self.started).encode())
        base = "/api/v1/clusters/"
        if not self.path.startswith(base) or "/monitoring/grafana/" not in self.path:
            return self._send(404, "text/plain", b"not under Grafana's sub path")
        root = self.path[: self.path.index("/monitoring/grafana/") + len("/monitoring/grafana/")]
        rest = self.path[len(root) :]
        if rest == "login":
            self.send_response(302)
            self.send_header("Location", root + "?from=login")
            self.end_headers()
            return None
        if rest == "api/user":
            seen = {h: self.headers.get(h) for h in ("X-WEBAUTH-USER", "Authorization", "X-KO-Identity", "Cookie")}
            return self._send(200, "application/json", json.dumps(seen).encode())
        page = (
            f'<!DOCTYPE html><html><head><base href="{root}"/></head><body>'
            f'<a href="{root}d/abc">dashboard</a><script src="{root}public/app.js"></script></body></html>'
        )
        return self._send(200, "text/html; charset=UTF-8", page.encode())

    def do_POST(self) -> None:
        if not self.path.endswith("/monitoring/grafana/api/ds/query"):
            return self._send(404, "text/plain", b"Grafana serves no such POST here")
        sent = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
        answer = {"user": self.headers.get("X-WEBAUTH-USER"), "queries": sent.get("queries") if sent else None}
        return self._send(200, "application/json", json.dumps(answer).encode())

    def _send(self, status: int, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class Addon:
    address: str
    prometheus_port: int
    standins_port: int

    @property
    def prometheus_url(self) -> str:
        return f"http://{self.address}:{self.prometheus_port}"


@contextmanager
def monitoring_addon(tmp: Path) -> Iterator[Addon]:
    """Prometheus (scraping itself and the exporter every second, until both are up) and the stand-ins."""
    if not PROMETHEUS.exists():
        pytest.skip(f"no {PROMETHEUS}: install Debian's prometheus (make sysdeps)")
    address = host_address()
    server = ThreadingHTTPServer((address, 0), _StandIns)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    standins = int(server.server_address[1])
    port = free_port(address)
    config = tmp / "prometheus.yml"
    config.write_text(json.dumps({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [
            {"job_name": "prometheus", "static_configs": [{"targets": [f"{address}:{port}"]}]},
            {"job_name": "exporters", "static_configs": [{"targets": [f"{address}:{standins}"]}]},
        ],
    }))  # fmt: skip
    log = open(tmp / "prometheus.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(PROMETHEUS), f"--config.file={config}", f"--storage.tsdb.path={tmp / 'tsdb'}",
         f"--web.listen-address={address}:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_scraped(f"http://{address}:{port}", proc, tmp / "prometheus.log")
        yield Addon(address, port, standins)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(tmp / "tsdb", ignore_errors=True)


def _wait_scraped(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"prometheus exited:\n{log.read_text(errors='replace')[-3000:]}"
        try:
            r = httpx.get(f"{url}/api/v1/query", params={"query": "up == 1"}, timeout=2, trust_env=False)
            if r.status_code == 200 and len(r.json()["data"]["result"]) == 2:
                time.sleep(2)  # a few more scrapes, so that rate() has points
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"prometheus scraped nothing within {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def services_in(plane: KubeControlPlane, addon: Addon) -> Iterator[str]:
    """A namespace of its own with Services ``prom`` (9090) and ``grafana`` (80), selector-less, whose
    EndpointSlices (and Endpoints) point at the Prometheus and the stand-in Grafana through Pods that
    report this machine's address (no kubelet runs them: their status is written as a kubelet would)."""
    ns = f"monitoring-{uuid.uuid4().hex[:6]}"
    plane.kubectl("create", "namespace", ns)
    try:
        _wait_default_service_account(plane, ns)
        for name, port, target in (("prom", 9090, addon.prometheus_port), ("grafana", 80, addon.standins_port)):
            _pod(plane, ns, f"{name}-0", addon.address)
            plane.kubectl("apply", "-f", "-", stdin=json.dumps(_service(ns, name, port, target, addon.address)))
        yield ns
    finally:
        plane.kubectl("delete", "namespace", ns, "--wait=false", check=False)


def _pod(plane: KubeControlPlane, ns: str, name: str, address: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns},
           "spec": {"automountServiceAccountToken": False,
                    "containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}]}}  # fmt: skip
    plane.kubectl("create", "-f", "-", stdin=json.dumps(pod))
    status = {"status": {"phase": "Running", "podIP": address, "podIPs": [{"ip": address}]}}
    plane.kubectl("patch", "pod", name, "-n", ns, "--subresource=status", "--type=merge", "-p", json.dumps(status))


def _service(ns: str, name: str, port: int, target: int, address: str) -> dict[str, Any]:
    # kube-apiserver's service proxy resolves the (deprecated) v1 Endpoints, and only to addresses of Pods
    # that report them; the controller-manager derives no Endpoints from a selector-less Service's slices.
    ref = {"kind": "Pod", "namespace": ns, "name": f"{name}-0"}
    items = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
         "spec": {"ports": [{"name": "http", "port": port, "targetPort": target}]}},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": f"{name}-1", "namespace": ns, "labels": {"kubernetes.io/service-name": name}},
         "addressType": "IPv4", "ports": [{"name": "http", "port": target, "protocol": "TCP"}],
         "endpoints": [{"addresses": [address], "conditions": {"ready": True}, "targetRef": ref}]},
        {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns},
         "subsets": [{"addresses": [{"ip": address, "targetRef": ref}], "ports": [{"name": "http", "port": target}]}]},
    ]  # fmt: skip
    return {"apiVersion": "v1", "kind": "List", "items": items}


def _wait_default_service_account(plane: KubeControlPlane, ns: str, timeout: float = 60) -> None:
    """Pods are refused until the controller-manager made the namespace's default ServiceAccount."""
    deadline = time.monotonic() + timeout
    while (got := plane.kubectl("get", "serviceaccount", "default", "-n", ns, check=False)).returncode:
        assert time.monotonic() < deadline, f"no default ServiceAccount in {ns}: {got.stderr}"
        time.sleep(0.2)
