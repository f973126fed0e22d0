"""Cluster health in tests: the deployment service served for real (the admin kubeconfigs), clusters
announced as its events announce them, and objects a kubelet would report, written into the real
control plane (no kubelet runs there)."""

from __future__ import annotations

import base64
import json
import socket
import ssl
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from ko_common import migrations
from ko_common.crypto import SecretBox, attach, box_for
from ko_common.db import Database, new_id, utcnow
from ko_common.events import Envelope
from ko_deployment.app import DeploymentSettings, create_app
from ko_deployment.clusters.models import Cluster
from ko_observability.health.consumer import on_cluster_event
from ko_observability.models import OUTBOX
from tests.support.kube_control_plane import KubeControlPlane
from tests.support.serve import served

IDENTITY_KEY = "x" * 32  # the observability tests' key (tests/observability/support.py), shared with deployment
COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler")


def embedded(plane: KubeControlPlane, server: str | None = None) -> str:
    """The control plane's admin kubeconfig with its files embedded (what the deployment stores)."""
    config = json.loads(plane.kubeconfig.read_text())
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    cluster["certificate-authority-data"] = base64.b64encode(
        Path(cluster.pop("certificate-authority")).read_bytes()
    ).decode()
    user["client-certificate-data"] = base64.b64encode(Path(user.pop("client-certificate")).read_bytes()).decode()
    user["client-key-data"] = base64.b64encode(Path(user.pop("client-key")).read_bytes()).decode()
    if server is not None:
        cluster["server"] = server
    return json.dumps(config)


class DeploymentForHealth:
    """The real deployment service (SQLite of its own) holding running clusters' kubeconfigs."""

    def __init__(self, base: str, settings: DeploymentSettings) -> None:
        self.base, self.settings = base, settings

    async def seed(self, kubeconfig: str, project_id: str = "p1", status: str = "running") -> str:
        db = Database(self.settings.resolved_database_url, "deployment")
        attach(db.sessionmaker, SecretBox.from_settings(self.settings))
        cluster_id = new_id()
        try:
            async with db.transaction() as session:
                sealed = box_for(session).encrypt(kubeconfig, table="clusters", row_id=cluster_id, field="kubeconfig")
                session.add(Cluster(id=cluster_id, project_id=project_id, name=f"c-{cluster_id[:8]}",
                                    version="1.36.1", status=status, spec={}, kubeconfig_enc=sealed))  # fmt: skip
        finally:
            await db.dispose()
        return cluster_id


@contextmanager
def deployment_service(data_dir: Path, nats_url: str) -> Iterator[DeploymentForHealth]:
    settings = DeploymentSettings(
        data_dir=data_dir, nats_url=nats_url, identity_key=IDENTITY_KEY, node_health_interval_seconds=0
    )  # type: ignore[call-arg]
    with served(create_app(settings)) as base:
        yield DeploymentForHealth(base, settings)


def cluster_event(
    verb: str, cluster_id: str, status: str, project_id: str = "p1", at: datetime | None = None
) -> Envelope:
    """A ko.deployment.cluster.<verb> event as the deployment service publishes it."""
    data = {"id": cluster_id, "project_id": project_id, "name": f"c-{cluster_id[:8]}", "version": "1.36.1",
            "status": status, "status_message": "", "nodes": 1, "current_operation_id": None}  # fmt: skip
    return Envelope(id=new_id(), source="ko/deployment", type=f"kubeoperator.deployment.cluster.{verb}.v1",
                    time=at or utcnow(), subject=cluster_id, projectid=project_id, data=data)  # fmt: skip


async def announce(db: Database, *envs: Envelope) -> None:
    for env in envs:
        async with db.transaction() as session:
            await on_cluster_event(session, env)


# --- what kubelets would report -----------------------------------------------------------------


def _create(plane: KubeControlPlane, obj: dict[str, Any], status: dict[str, Any], *ns: str) -> None:
    plane.kubectl("create", "-f", "-", stdin=json.dumps(obj))
    kind, name = obj["kind"].lower(), obj["metadata"]["name"]
    plane.kubectl(
        "patch", kind, name, *ns, "--subresource=status", "--type=merge", "-p", json.dumps({"status": status})
    )


def ready(ok: bool, reason: str) -> dict[str, Any]:
    return {"type": "Ready", "status": "True" if ok else "False", "reason": reason}


def set_node(plane: KubeControlPlane, name: str, ok: bool) -> None:
    reason = "KubeletReady" if ok else "KubeletNotReady"
    plane.kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p",
                  json.dumps({"status": {"conditions": [ready(ok, reason)]}}))  # fmt: skip


@contextmanager
def control_plane_node(plane: KubeControlPlane) -> Iterator[str]:
    """A Ready node running Ready kube-apiserver, controller-manager and scheduler pods (kubeadm's labels)."""
    node = f"obs-m-{uuid.uuid4().hex[:6]}"
    pods = [f"{c}-{node}" for c in COMPONENTS]
    _wait_default_service_account(plane)
    try:
        _create(plane, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}},
                {"conditions": [ready(True, "KubeletReady")]})  # fmt: skip
        for component, pod in zip(COMPONENTS, pods, strict=True):
            _create(plane, {
                "apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": pod, "namespace": "kube-system",
                             "labels": {"component": component, "tier": "control-plane"}},
                "spec": {"nodeName": node, "automountServiceAccountToken": False,
                         "tolerations": [{"operator": "Exists"}],
                         "containers": [{"name": component, "image": f"registry.k8s.io/{component}:v1.36.1"}]},
            }, {"conditions": [ready(True, "")]}, "-n", "kube-system")  # fmt: skip
        yield node
    finally:
        for pod in pods:
            plane.kubectl("delete", "pod", pod, "-n", "kube-system", "--ignore-not-found", "--grace-period=0",
                          "--force", check=False)  # fmt: skip
        plane.kubectl("delete", "node", node, "--ignore-not-found", "--wait=false", check=False)


def _wait_default_service_account(plane: KubeControlPlane, timeout: float = 60) -> None:
    """Pods are refused until the controller-manager made kube-system's default ServiceAccount."""
    deadline = time.monotonic() + timeout
    while (got := plane.kubectl("get", "serviceaccount", "default", "-n", "kube-system", check=False)).returncode:
        assert time.monotonic() < deadline, f"no default ServiceAccount in kube-system: {got.stderr}"
        time.sleep(0.2)


def stop_apiserver(plane: KubeControlPlane) -> list[str]:
    """Kill kube-apiserver (etcd keeps the data); its command line, to start it again."""
    proc = plane.procs["kube-apiserver"]
    args = [str(a) for a in proc.args]  # type: ignore[union-attr]
    proc.kill()
    proc.wait(timeout=10)
    return args


def start_apiserver(plane: KubeControlPlane, args: list[str], timeout: float = 60) -> None:
    plane._spawn("kube-apiserver", args)
    ctx = ssl.create_default_context(cafile=str(plane.dir / "ca.crt"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{plane.server}/readyz", context=ctx, timeout=2) as r:  # noqa: S310
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"kube-apiserver not ready again after {timeout} s{plane.logs()}")


@contextmanager
def silent_address() -> Iterator[str]:
    """An https:// address whose port takes connections and never answers (a hung API server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield f"https://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


MIGRATIONS = Path(__file__).parents[2] / "services/ko_observability/migrations"


async def observability_database(url: str) -> Database:
    """The observability service's database at ``url``, migrated, its sessions writing the outbox as the service's."""
    database = Database(url, "observability")
    database.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "observability"})
    await migrations.upgrade(database, MIGRATIONS)
    return database
