"""The health verdict's pieces without a cluster: readiness answers (etcd's among them), node and
control-plane conditions as the API server returns them, and how deployment events are applied."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from ko_common.db import Database, new_id
from ko_observability.health.models import ClusterHealth
from ko_observability.health.probe import (
    MAX_REASONS,
    Finding,
    control_plane_findings,
    node_findings,
    readyz_findings,
)
from ko_observability.models import OUTBOX
from tests.observability.health import announce, cluster_event

# kube-apiserver's /readyz?verbose while etcd is down (its answer is HTTP 500).
ETCD_DOWN = """[+]ping ok
[+]log ok
[-]etcd failed: reason withheld
[+]etcd-readiness ok
[+]informer-sync ok
[+]poststarthook/start-apiserver-admission-initializer ok
readyz check failed
"""


def test_a_failing_etcd_check_is_named_as_etcd() -> None:
    assert readyz_findings(500, ETCD_DOWN) == [
        Finding("etcd-unhealthy", "etcd", "etcd is unhealthy: the API server's etcd check fails.")
    ]
    other = ETCD_DOWN.replace("[-]etcd failed", "[+]etcd ok").replace("[+]informer-sync ok", "[-]informer-sync failed")
    assert readyz_findings(500, other) == [
        Finding("readyz-failing", "informer-sync", "The API server's readiness check informer-sync fails.")
    ]
    assert readyz_findings(200, ETCD_DOWN.replace("[-]", "[+]")) == []
    assert readyz_findings(503, "") == [Finding("api-not-ready", None, "The API server is not ready (HTTP 503).")]
    refused = Finding("credentials-refused", None, "The API server refuses the admin credentials (HTTP 401).")
    assert readyz_findings(401, "") == [refused]


def _node(name: str, **conditions: str) -> dict[str, object]:
    conds = [{"type": k, "status": v, "reason": f"{k}Reason"} for k, v in conditions.items()]
    return {"metadata": {"name": name}, "status": {"conditions": conds}}


def test_nodes_not_ready_or_under_pressure_are_named_and_many_are_capped() -> None:
    nodes = [_node("w2", Ready="True", DiskPressure="True"), _node("w1", Ready="False"), _node("m1", Ready="True")]
    assert node_findings(nodes) == [
        Finding("node-not-ready", "w1", "Node w1 is not Ready (ReadyReason)."),
        Finding("node-pressure", "w2/DiskPressure", "Node w2 reports DiskPressure."),
    ]
    assert node_findings([]) == [Finding("no-nodes", None, "No node is registered.")]
    bare = node_findings([{"metadata": {"name": "n"}, "status": {}}])
    assert [(f.code, f.message) for f in bare] == [("node-not-ready", "Node n is not Ready (no Ready condition).")]


def test_control_plane_pods_missing_or_not_ready() -> None:
    pod = {"metadata": {"name": "kube-scheduler-m1", "labels": {"component": "kube-scheduler"}},
           "spec": {"nodeName": "m1"}, "status": {"conditions": [{"type": "Ready", "status": "False",
                                                                   "reason": "ContainersNotReady"}]}}  # fmt: skip
    assert control_plane_findings([pod]) == [
        Finding(
            "control-plane-not-ready", "kube-scheduler@m1", "kube-scheduler on m1 is not ready (ContainersNotReady)."
        ),
        Finding("control-plane-missing", "kube-apiserver", "No kube-apiserver pod runs in kube-system."),
        Finding(
            "control-plane-missing", "kube-controller-manager", "No kube-controller-manager pod runs in kube-system."
        ),
    ]
    assert MAX_REASONS == 20


async def _row(db: Database, cluster_id: str) -> ClusterHealth | None:
    async with db.transaction() as session:
        return await session.get(ClusterHealth, cluster_id)


async def test_announcements_are_applied_once_in_order_and_a_deleted_cluster_stays_deleted(db: Database) -> None:
    a = new_id()
    created, running = cluster_event("created", a, "waiting"), cluster_event("updated", a, "running")
    stale = cluster_event("updated", a, "deploying", at=created.time - timedelta(seconds=5))
    await announce(db, created, running, running, stale)  # a repeat and an older event change nothing
    row = await _row(db, a)
    assert row is not None and (row.cluster_status, row.state) == ("running", "unknown")

    # A checked cluster that stops running is not checked any more, and says so once.
    async with db.transaction() as session:
        checked = await session.get(ClusterHealth, a)
        assert checked is not None
        checked.state, checked.reasons = "healthy", "[]"
    await announce(db, cluster_event("updated", a, "failed"), cluster_event("updated", a, "failed"))
    row = await _row(db, a)
    assert row is not None and (row.cluster_status, row.state) == ("failed", "unknown")
    async with db.transaction() as session:
        outbox = (await session.execute(select(OUTBOX))).all()
    changed = [json.loads(r.payload)["data"] for r in outbox if r.subject == "ko.observability.cluster.health-changed"]
    assert [(c["previous_state"], c["state"], c["cluster_status"]) for c in changed] == [
        ("healthy", "unknown", "failed")
    ]

    # Deleted before a late update arrives (another replica was faster): it stays deleted, and unlisted.
    b = new_id()
    gone = cluster_event("deleted", b, "terminating")
    await announce(db, gone, cluster_event("updated", b, "running", at=gone.time - timedelta(seconds=1)))
    await announce(db, cluster_event("updated", b, "running"))
    row = await _row(db, b)
    assert row is not None and row.cluster_status == "deleted"

    # Events about access and certificates are not about which clusters exist: skipped.
    c = new_id()
    await announce(db, cluster_event("access-granted", c, "running"))
    assert await _row(db, c) is None
