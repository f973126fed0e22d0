"""Cluster health against a real Kubernetes API server (the session's kube_control_plane) and the real
deployment service handing out its admin kubeconfig, as in the product.

The clusters are announced to the observability database as the deployment's events announce them;
the Node and control-plane Pod objects are written by the test, as kubelets would report them.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from sqlalchemy import select

from ko_common.cluster_access import ClusterAccessClient
from ko_common.db import Database
from ko_observability.health.models import ClusterHealth
from ko_observability.health.poller import HealthPolicy, HealthPoller
from ko_observability.models import OUTBOX
from tests.observability.health import (
    IDENTITY_KEY,
    DeploymentForHealth,
    announce,
    cluster_event,
    control_plane_node,
    embedded,
    observability_database,
    set_node,
    silent_address,
    start_apiserver,
    stop_apiserver,
)
from tests.support.kube_control_plane import KubeControlPlane

pytestmark = pytest.mark.kube
CHANGED = "ko.observability.cluster.health-changed"


def poller(db: Database, d: DeploymentForHealth, name: str, **policy: Any) -> HealthPoller:
    access = ClusterAccessClient(d.base, IDENTITY_KEY, "observability", timeout=5)
    return HealthPoller(db, access, HealthPolicy(**({"timeout_seconds": 5.0} | policy)), name=name)


async def running_cluster(db: Database, d: DeploymentForHealth, kubeconfig: str, project_id: str = "p1") -> str:
    cluster_id = await d.seed(kubeconfig, project_id)
    await announce(db, cluster_event("created", cluster_id, "waiting", project_id),
                   cluster_event("updated", cluster_id, "running", project_id))  # fmt: skip
    return cluster_id


async def health(db: Database, cluster_id: str) -> ClusterHealth:
    async with db.transaction() as session:
        row = await session.get(ClusterHealth, cluster_id)
        assert row is not None
        return row


async def changes(db: Database, cluster_id: str) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        rows = (await session.execute(select(OUTBOX).order_by(OUTBOX.c.seq))).all()
    events = [json.loads(r.payload) for r in rows if r.subject == CHANGED]
    return [e["data"] for e in events if e["subject"] == cluster_id]


async def due_now(db: Database, *cluster_ids: str) -> None:
    """Make the clusters due again without waiting out the interval."""
    async with db.transaction() as session:
        for cluster_id in cluster_ids:
            row = await session.get(ClusterHealth, cluster_id)
            assert row is not None
            row.due_at = row.announced_at


async def test_a_healthy_cluster_then_a_stopped_api_server_then_back(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    with control_plane_node(plane):
        cluster_id = await running_cluster(db, deployment, embedded(plane))
        p = poller(db, deployment, "a")
        assert await p.tick() == 1
        row = await health(db, cluster_id)
        assert (row.state, json.loads(row.reasons), row.unreachable_since) == ("healthy", [], None), row.reasons
        assert (row.nodes_ready, row.nodes_total) == (1, 1) and row.latency_ms is not None and row.latency_ms > 0
        assert await p.tick() == 0  # checked this interval already
        await due_now(db, cluster_id)
        assert await p.tick() == 1
        assert [c["state"] for c in await changes(db, cluster_id)] == ["healthy"]  # no change: no event

        args = await asyncio.to_thread(stop_apiserver, plane)
        try:
            await due_now(db, cluster_id)
            await p.tick()
            down = await health(db, cluster_id)
            assert down.state == "unreachable" and down.unreachable_since is not None
            assert json.loads(down.reasons) == ["The API server refuses connections or cannot be reached."]
            await due_now(db, cluster_id)
            await p.tick()
            still = await health(db, cluster_id)
            assert (still.state, still.unreachable_since) == ("unreachable", down.unreachable_since)
            assert still.checked_at is not None and down.checked_at is not None and still.checked_at > down.checked_at
        finally:
            # In this thread: the process dies with the thread that starts it (PR_SET_PDEATHSIG).
            start_apiserver(plane, args)
        await due_now(db, cluster_id)
        await p.tick()
        back = await health(db, cluster_id)
        assert (back.state, back.unreachable_since) == ("healthy", None), back.reasons
        events = await changes(db, cluster_id)
        assert [(e["previous_state"], e["state"]) for e in events] == [
            ("unknown", "healthy"), ("healthy", "unreachable"), ("unreachable", "healthy")]  # fmt: skip
        assert events[1]["unreachable_since"] is not None
        assert "kubeconfig" not in json.dumps(events) and "BEGIN" not in json.dumps(events)


async def test_a_node_not_ready_makes_the_cluster_degraded_naming_it(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    with control_plane_node(plane) as node:
        cluster_id = await running_cluster(db, deployment, embedded(plane))
        p = poller(db, deployment, "a")
        await p.tick()
        assert (await health(db, cluster_id)).state == "healthy"
        await asyncio.to_thread(set_node, plane, node, False)
        await due_now(db, cluster_id)
        await p.tick()
        row = await health(db, cluster_id)
        assert row.state == "degraded"
        assert json.loads(row.reasons) == [f"Node {node} is not Ready (KubeletNotReady)."]
        assert (row.nodes_ready, row.nodes_total) == (0, 1)
        await due_now(db, cluster_id)
        await p.tick()  # the same reasons: no event
        await asyncio.to_thread(set_node, plane, node, True)
        await due_now(db, cluster_id)
        await p.tick()
        assert (await health(db, cluster_id)).state == "healthy"
        events = await changes(db, cluster_id)
        not_ready = [f"Node {node} is not Ready (KubeletNotReady)."]
        seen = [(e["state"], e["reasons"]) for e in events]
        assert seen == [("healthy", []), ("degraded", not_ready), ("healthy", [])]
        finding = {"code": "node-not-ready", "subject": node, "message": not_ready[0]}
        assert [(e["previous_findings"], e["findings"]) for e in events[1:]] == [([], [finding]), ([finding], [])]


async def test_a_dead_cluster_delays_a_healthy_one_no_longer_than_its_timeout(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    with control_plane_node(plane), silent_address() as hung:
        dead = await running_cluster(db, deployment, embedded(plane, server=hung))
        healthy = await running_cluster(db, deployment, embedded(plane))
        p = poller(db, deployment, "a", timeout_seconds=3.0, concurrency=2)
        started = time.monotonic()
        assert await p.tick() == 2
        took = time.monotonic() - started
        ok, gone = await health(db, healthy), await health(db, dead)
        assert ok.state == "healthy", ok.reasons
        assert (gone.state, json.loads(gone.reasons)) == ("unreachable", ["The API server did not answer within 3 s."])
        assert ok.checked_at is not None and gone.checked_at is not None
        assert list(p.checked) == [healthy, dead]  # the healthy one was done while the dead one hung
        assert 3.0 <= took < 3.0 + 2.0, took


async def test_two_pollers_share_the_clusters_without_checking_one_twice(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane, database_url: str
) -> None:
    plane = kube_control_plane
    with control_plane_node(plane):
        kubeconfig = embedded(plane)
        ids = [await running_cluster(db, deployment, kubeconfig) for _ in range(8)]
        other = await observability_database(database_url)  # a second replica: its own engine on the same database
        try:
            a, b = poller(db, deployment, "a", concurrency=2), poller(other, deployment, "b", concurrency=2)
            counts = await asyncio.gather(a.tick(), b.tick())
            assert sum(counts) == 8 and all(counts), counts
            assert sorted([*a.checked, *b.checked]) == sorted(ids)  # each cluster once, by one of them
            assert list(await asyncio.gather(a.tick(), b.tick())) == [0, 0]  # none is due again this interval
        finally:
            await other.dispose()
        for cluster_id in ids:
            row = await health(db, cluster_id)
            assert (row.state, row.lease_until, row.leased_by) == ("healthy", None, None), row.reasons
            assert len(await changes(db, cluster_id)) == 1
