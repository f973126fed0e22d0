"""Node health against a real API server (the session's kube_control_plane: no kubelets, so the Node
objects and their Ready condition are written by the test, as kubelets would report them).

The deployment database is migrated for real and holds a running cluster whose stored (encrypted)
kubeconfig is the control plane's admin one with embedded certificates, as the product stores it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ko_common import migrations
from ko_common.crypto import SecretBox, attach, box_for
from ko_common.db import Database, new_id, utcnow
from ko_common.kubeclient import KubeconfigInvalid, kube_client
from ko_deployment.clusters.health import NodeHealth
from ko_deployment.clusters.models import Cluster, ClusterNode
from ko_deployment.models import OUTBOX
from tests.support.kube_control_plane import KubeControlPlane

pytestmark = pytest.mark.kube
MIGRATIONS = Path(__file__).parents[2] / "services/ko_deployment/migrations"
KEY = base64.b64encode(b"h" * 32).decode()


def embedded(plane: KubeControlPlane) -> str:
    """The control plane's admin kubeconfig with its files embedded (what the post phase hands back)."""
    config = json.loads(plane.kubeconfig.read_text())
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    cluster["certificate-authority-data"] = base64.b64encode(
        Path(cluster.pop("certificate-authority")).read_bytes()
    ).decode()
    user["client-certificate-data"] = base64.b64encode(Path(user.pop("client-certificate")).read_bytes()).decode()
    user["client-key-data"] = base64.b64encode(Path(user.pop("client-key")).read_bytes()).decode()
    return json.dumps(config)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'deployment.db'}", "deployment")
    database.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "deployment"})
    await migrations.upgrade(database, MIGRATIONS)
    attach(database.sessionmaker, SecretBox(base64.b64decode(KEY)))
    yield database
    await database.dispose()


def node(name: str, ip: str, ready: bool) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}],
            "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                            "reason": "KubeletReady" if ready else "KubeletNotReady",
                            "lastHeartbeatTime": None, "lastTransitionTime": None}],
        },
    }  # fmt: skip


def put_nodes(plane: KubeControlPlane, nodes: list[dict[str, Any]]) -> None:
    for item in nodes:
        name = item["metadata"]["name"]
        plane.kubectl("delete", "node", name, "--ignore-not-found", "--wait=false")
        plane.kubectl("create", "-f", "-", stdin=json.dumps({**item, "status": {}}))
        # The status is a subresource: written the way a kubelet writes it.
        plane.kubectl("patch", "node", name, "--subresource=status", "--type=merge", "-p",
                      json.dumps({"status": item["status"]}))  # fmt: skip


async def seed(db: Database, kubeconfig: str) -> str:
    cluster_id = new_id()
    async with db.transaction() as session:
        sealed = box_for(session).encrypt(kubeconfig, table="clusters", row_id=cluster_id, field="kubeconfig")
        session.add(Cluster(
            id=cluster_id, project_id="p1", name="health", version="1.36.1", status="running", spec={},
            kubeconfig_enc=sealed,
            nodes=[
                ClusterNode(position=0, host_id=new_id(), name="kh-m1", ip="10.250.0.1", role="master", status="ready"),
                ClusterNode(position=1, host_id=new_id(), name="kh-w1", ip="10.250.0.2", role="worker", status="ready"),
                ClusterNode(position=2, host_id=new_id(), name="kh-w2", ip="10.250.0.3", role="worker",
                            status="joining"),
            ],
        ))  # fmt: skip
    return cluster_id


async def statuses(db: Database, cluster_id: str) -> dict[str, tuple[str, bool]]:
    async with db.transaction() as session:
        cluster = await session.get(Cluster, cluster_id)
        assert cluster is not None
        return {n.name: (n.status, n.not_ready_since is not None) for n in cluster.nodes}


async def test_a_node_not_ready_past_the_threshold_is_marked_and_recovers(
    db: Database, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    cluster_id = await seed(db, embedded(plane))
    put_nodes(plane, [node("kh-m1", "10.250.0.1", True), node("kh-w1", "10.250.0.2", False),
                      node("kh-w2", "10.250.0.3", False)])  # fmt: skip
    try:
        health = NodeHealth(db, interval_seconds=30, not_ready_seconds=60)
        assert await health.poll_once() == 0  # not Ready, but not for 60 s yet: noted, not marked
        assert await statuses(db, cluster_id) == {
            "kh-m1": ("ready", False), "kh-w1": ("ready", True), "kh-w2": ("joining", False)}  # fmt: skip
        # 61 s later (the first sighting moved back), it is marked; the joining node is its operation's.
        async with db.transaction() as session:
            cluster = await session.get(Cluster, cluster_id)
            assert cluster is not None
            cluster.nodes[1].not_ready_since = utcnow() - timedelta(seconds=61)
        assert await health.poll_once() == 1
        assert (await statuses(db, cluster_id))["kh-w1"] == ("not-ready", True)
        async with db.transaction() as session:
            outbox = (await session.execute(OUTBOX.select())).all()
        updated = [json.loads(r.payload) for r in outbox if r.subject == "ko.deployment.cluster.updated"]
        assert [e["subject"] for e in updated] == [cluster_id]  # one change, one event

        put_nodes(plane, [node("kh-w1", "10.250.0.2", True)])
        assert await health.poll_once() == 1
        assert (await statuses(db, cluster_id))["kh-w1"] == ("ready", False)
        assert await health.poll_once() == 0  # nothing changes: no event
    finally:
        for name in ("kh-m1", "kh-w1", "kh-w2"):
            plane.kubectl("delete", "node", name, "--ignore-not-found", "--wait=false")


async def test_an_unreachable_api_server_changes_nothing(db: Database, kube_control_plane: KubeControlPlane) -> None:
    config = json.loads(embedded(kube_control_plane))
    config["clusters"][0]["cluster"]["server"] = "https://127.0.0.1:1"
    cluster_id = await seed(db, json.dumps(config))
    assert await NodeHealth(db, interval_seconds=30, not_ready_seconds=0).poll_once() == 0
    assert (await statuses(db, cluster_id))["kh-w1"] == ("ready", False)


def test_a_kubeconfig_without_usable_credentials_is_refused_without_its_content() -> None:
    secret = "c2VjcmV0LWtleS1ieXRlcw=="
    bad = {"current-context": "a", "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}],
           "clusters": [{"name": "c", "cluster": {"server": "https://10.0.0.1:6443"}}],
           "users": [{"name": "u", "user": {"client-key-data": secret}}]}  # fmt: skip
    with pytest.raises(KubeconfigInvalid) as refused:
        kube_client(json.dumps(bad))
    assert "neither an embedded client certificate nor a token" in str(refused.value) and secret not in str(
        refused.value
    )
    with pytest.raises(KubeconfigInvalid):
        kube_client("current-context: missing")
