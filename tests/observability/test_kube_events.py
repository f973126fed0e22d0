"""Kubernetes events against a real Kubernetes API server (the session's kube_control_plane) and the real
deployment service handing out its admin kubeconfig: list, watch, resume, relist, retention, leases, search.

Every cluster the tests announce points at the same control plane, so each test writes its events into
a namespace of its own and reads its own cluster's rows of that namespace.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from ko_common.db import Database, wait_for
from ko_observability.kube_events.watcher import KubeEventWatcher
from ko_observability.models import OUTBOX
from tests.observability.health import (
    DeploymentForHealth,
    announce,
    cluster_event,
    embedded,
    observability_database,
    start_apiserver,
    stop_apiserver,
)
from tests.observability.kube_events import (
    WARNING,
    bump,
    compact_etcd,
    create_event,
    namespace,
    stored,
    warnings,
    watch_row,
    watcher,
)
from tests.observability.support import ALICE, BOB, serve, settings_for
from tests.support.kube_control_plane import KubeControlPlane
from tests.support.procs import NatsServer

pytestmark = pytest.mark.kube


async def running_cluster(db: Database, d: DeploymentForHealth, plane: KubeControlPlane, project_id: str = "p1") -> str:
    cluster_id = await d.seed(embedded(plane), project_id)
    await announce(db, cluster_event("created", cluster_id, "waiting", project_id),
                   cluster_event("updated", cluster_id, "running", project_id))  # fmt: skip
    return cluster_id


async def until(db: Database, cluster_id: str, ns: str, n: int, timeout: float = 30) -> None:
    async def enough() -> bool:
        return len(await stored(db, cluster_id, ns)) >= n

    await wait_for(enough, timeout=timeout)


async def counts(db: Database, cluster_id: str, ns: str) -> dict[str, int]:
    return {r.uid: r.count for r in await stored(db, cluster_id, ns)}


def kill(w: KubeEventWatcher) -> None:
    """The replica dies: its watches stop and its leases are left to lapse."""
    for task in w.watches.values():
        task.cancel()
    w.watches.clear()


async def test_events_are_listed_then_watched_and_a_repeat_updates_its_row(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    before = await asyncio.to_thread(create_event, plane, ns, "Scheduled")
    cluster_id = await running_cluster(db, deployment, plane)
    w = watcher(db, deployment, "a")
    try:
        await w.tick()
        assert set(w.watches) == {cluster_id}
        await until(db, cluster_id, ns, 1)  # listed
        crash = await asyncio.to_thread(
            create_event, plane, ns, "BackOff", message="Back-off restarting failed container", type_="Warning"
        )
        await until(db, cluster_id, ns, 2)  # watched
        await asyncio.to_thread(bump, plane, ns, crash, 2)
        await wait_for(lambda: _count_is(db, cluster_id, ns, crash, 2), timeout=30)
    finally:
        await w.stop()
    rows = await stored(db, cluster_id, ns)
    assert sorted(r.uid for r in rows) == sorted([before, crash])  # one row per event, updated in place
    row = next(r for r in rows if r.uid == crash)
    assert (row.kind, row.name, row.reason, row.type, row.source) == ("Pod", "web-0", "BackOff", "Warning",
                                                                      "kubelet node-1")  # fmt: skip
    assert row.project_id == "p1" and row.last_seen > row.first_seen
    published = [(e["uid"], e["count"]) for e in await warnings(db, cluster_id, ns)]
    assert published == [(crash, 1), (crash, 2)]  # the Normal one never; the Warning once per count
    assert (await watch_row(db, cluster_id)).leased_by is None  # stop() gave the lease back
    assert w.lists == {cluster_id: 1}


async def _count_is(db: Database, cluster_id: str, ns: str, uid: str, n: int) -> bool:
    return (await counts(db, cluster_id, ns)).get(uid) == n


async def test_a_cut_watch_resumes_from_the_stored_resource_version_without_loss_or_repeat(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    cluster_id = await running_cluster(db, deployment, plane)
    a = watcher(db, deployment, "a")
    try:
        await a.tick()
        first = await asyncio.to_thread(create_event, plane, ns, "Failed", type_="Warning")
        await until(db, cluster_id, ns, 1)
    finally:
        await a.stop()  # the watch's connection is closed; the position stays in the database
    position = (await watch_row(db, cluster_id)).resource_version
    assert position is not None
    later = [await asyncio.to_thread(create_event, plane, ns, f"Pulled{i}") for i in range(3)]
    await asyncio.to_thread(bump, plane, ns, first, 5)

    b = watcher(db, deployment, "b")  # a restarted replica
    try:
        await b.tick()
        await until(db, cluster_id, ns, 4)
        await wait_for(lambda: _count_is(db, cluster_id, ns, first, 5), timeout=30)
        assert b.lists == {}  # resumed from the stored resourceVersion: no list at all
    finally:
        await b.stop()
    rows = await stored(db, cluster_id, ns)
    assert sorted(r.uid for r in rows) == sorted([first, *later])
    assert [(e["uid"], e["count"]) for e in await warnings(db, cluster_id, ns)] == [(first, 1), (first, 5)]
    assert (await watch_row(db, cluster_id)).relists == 0


async def test_a_restarted_api_server_loses_no_event_and_repeats_none(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    cluster_id = await running_cluster(db, deployment, plane)
    w = watcher(db, deployment, "a")
    try:
        await w.tick()
        uids = [await asyncio.to_thread(create_event, plane, ns, "Started", type_="Warning")]
        await until(db, cluster_id, ns, 1)
        args = await asyncio.to_thread(stop_apiserver, plane)  # every watch connection is cut
        try:
            await asyncio.sleep(1.0)  # the watcher fails and backs off meanwhile
        finally:
            # In this thread: the process dies with the thread that starts it (PR_SET_PDEATHSIG).
            start_apiserver(plane, args)
        uids += [await asyncio.to_thread(create_event, plane, ns, f"Created{i}") for i in range(3)]
        await until(db, cluster_id, ns, 4, timeout=60)
        assert set(w.watches) == {cluster_id} and not w.watches[cluster_id].done()
    finally:
        await w.stop()
    rows = await stored(db, cluster_id, ns)
    assert sorted(r.uid for r in rows) == sorted(uids)
    assert [e["uid"] for e in await warnings(db, cluster_id, ns)] == [uids[0]]


async def test_a_compacted_resource_version_makes_a_relist_without_duplicates(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    cluster_id = await running_cluster(db, deployment, plane)
    a = watcher(db, deployment, "a")
    try:
        await a.tick()
        first = await asyncio.to_thread(create_event, plane, ns, "Unhealthy", type_="Warning")
        await until(db, cluster_id, ns, 1)
    finally:
        await a.stop()
    old = (await watch_row(db, cluster_id)).resource_version
    assert old is not None
    later = [await asyncio.to_thread(create_event, plane, ns, f"Killing{i}") for i in range(2)]
    revision = await asyncio.to_thread(compact_etcd, plane)
    assert int(old) < revision  # the stored position is now history etcd no longer has

    b = watcher(db, deployment, "b")
    try:
        await b.tick()
        await until(db, cluster_id, ns, 3)
        await wait_for(lambda: _relisted(db, cluster_id), timeout=30)
    finally:
        await b.stop()
    rows = await stored(db, cluster_id, ns)
    assert sorted(r.uid for r in rows) == sorted([first, *later])
    assert not [uid for uid, n in Counter(r.uid for r in await stored(db, cluster_id)).items() if n > 1]
    assert b.lists == {cluster_id: 1}
    assert [e["uid"] for e in await warnings(db, cluster_id, ns)] == [first]  # not published again by the relist
    assert int((await watch_row(db, cluster_id)).resource_version or 0) >= revision


async def _relisted(db: Database, cluster_id: str) -> bool:
    return bool((await watch_row(db, cluster_id)).relists == 1)


async def test_retention_keeps_recent_events_and_at_most_the_newest_per_cluster(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    now = datetime.now(UTC)
    old = [
        await asyncio.to_thread(create_event, plane, ns, "Old", last=now - timedelta(hours=100 + i)) for i in range(2)
    ]
    new = [await asyncio.to_thread(create_event, plane, ns, "New", last=now + timedelta(hours=1 + i)) for i in range(3)]
    cluster_id = await running_cluster(db, deployment, plane)
    w = watcher(db, deployment, "a", retention_hours=72, max_per_cluster=2)
    try:
        await w.tick()
        await until(db, cluster_id, ns, 5)
        before = await stored(db, cluster_id)
        assert await w.prune() == len(before) - 2
    finally:
        await w.stop()
    cutoff = now - timedelta(hours=72)
    newest = sorted((r for r in before if r.last_seen >= cutoff), key=lambda r: (r.last_seen, r.id))[-2:]
    kept = await stored(db, cluster_id)
    assert sorted(r.uid for r in kept) == sorted(r.uid for r in newest)  # the two newest of the cluster
    assert new[2] in {r.uid for r in kept}  # (other tests' events of this control plane are in it too)
    assert not {r.uid for r in await stored(db, cluster_id, ns)} & set(old)  # older than 72 h


async def test_two_watchers_never_watch_one_cluster_and_take_over_a_dead_ones(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane, database_url: str
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    uid = await asyncio.to_thread(create_event, plane, ns, "Pulling")
    ids = {await running_cluster(db, deployment, plane) for _ in range(4)}
    other = await observability_database(database_url)  # a second replica: its own engine on the same database
    a, b = watcher(db, deployment, "a", max_clusters=2), watcher(other, deployment, "b", max_clusters=2)
    try:
        await asyncio.gather(a.tick(), b.tick())
        await asyncio.gather(a.tick(), b.tick())
        assert not set(a.watches) & set(b.watches), (a.watches, b.watches)
        assert set(a.watches) | set(b.watches) == ids  # two each
        for cluster_id in ids:
            await until(db, cluster_id, ns, 1)
        mine = set(b.watches)
        kill(a)
        b.policy = dataclasses.replace(b.policy, max_clusters=4)
        await b.tick()
        assert set(b.watches) == mine  # a's leases have not lapsed yet
        await asyncio.sleep(3.2)  # the lease
        await b.tick()
        assert set(b.watches) == ids
        for cluster_id in ids:
            row = await watch_row(db, cluster_id)
            assert row.leased_by == "b"
            assert [r.uid for r in await stored(db, cluster_id, ns)] == [uid]
    finally:
        await asyncio.gather(a.stop(), b.stop())
        await other.dispose()


async def test_events_are_searched_newest_first_by_what_the_caller_may_read(
    db: Database,
    deployment: DeploymentForHealth,
    kube_control_plane: KubeControlPlane,
    tmp_path: Path,
    database_url: str,
    nats_server: NatsServer,
    request: pytest.FixtureRequest,
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    now = datetime.now(UTC)
    made = [
        ("Pod", "web-0", "BackOff", "Warning", "Back-off restarting failed container"),
        ("Node", "node-1", "NodeReady", "Normal", "Node node-1 status is now: NodeReady"),
        ("Deployment", "web", "ScalingReplicaSet", "Normal", "Scaled up replica set web-5d9 to 3"),
        ("Pod", "web-1", "FailedScheduling", "Warning", "0/1 nodes are available: 1 Insufficient cpu."),
    ]
    uids = [
        await asyncio.to_thread(
            create_event,
            plane,
            ns,
            reason,
            kind=kind,
            obj=obj,
            type_=type_,
            message=message,
            last=now + timedelta(minutes=i),
        )
        for i, (kind, obj, reason, type_, message) in enumerate(made)
    ]
    cluster_id = await running_cluster(db, deployment, plane)
    w = watcher(db, deployment, "a")
    try:
        await w.tick()
        await until(db, cluster_id, ns, 4)
    finally:
        await w.stop()
    settings = settings_for(tmp_path, database_url, nats_server.url, health_interval_seconds=0,
                            kube_events_max_clusters=0)  # fmt: skip
    pg = request.getfixturevalue("postgres") if database_url.startswith("postgresql") else None
    with serve(settings, pg) as obs:

        def get(who: object = ALICE, **params: object) -> httpx.Response:
            return obs.call("GET", "/api/v1/cluster-events", who, params={"cluster_id": cluster_id, **params})  # type: ignore[arg-type]

        def found(**params: object) -> list[str]:
            r = get(namespace=ns, **params)
            assert r.status_code == 200, r.text
            return [e["uid"] for e in r.json()["items"]]

        assert found() == uids[::-1]  # newest first
        assert found(type="Warning") == [uids[3], uids[0]]
        assert found(kind="Pod", reason="BackOff") == [uids[0]]
        assert found(q="SCALED UP") == [uids[2]]
        assert found(q="node-1") == [uids[1]]  # the involved object's name
        assert found(q="100%") == []  # LIKE's wildcards are text
        page = get(namespace=ns, limit=2, offset=1).json()
        assert (page["total"], [e["uid"] for e in page["items"]]) == (4, [uids[2], uids[1]])
        item = get(namespace=ns, limit=1).json()["items"][0]
        assert item | {"id": 0, "first_seen": "", "last_seen": ""} == {
            "id": 0, "cluster_id": cluster_id, "project_id": "p1", "uid": uids[3], "namespace": ns, "kind": "Pod",
            "name": "web-1", "reason": "FailedScheduling", "message": made[3][4], "type": "Warning", "count": 1,
            "source": "kubelet node-1", "first_seen": "", "last_seen": ""}  # fmt: skip
        bad = get(type="Error")
        assert bad.status_code == 422 and "type" in bad.text
        hidden = get(BOB)  # p1 is not BOB's: the cluster is not known to him
        assert hidden.status_code == 404 and hidden.json()["field"] == "cluster_id"
        mine = obs.call("GET", "/api/v1/cluster-events", BOB, params={"namespace": ns})
        assert mine.json()["total"] == 0
        other_project = obs.call("GET", "/api/v1/cluster-events", BOB, params={"project_id": "p1"})
        assert other_project.status_code in (403, 404)
        assert obs.call("GET", "/api/v1/cluster-events", None).status_code == 401


async def test_warnings_published_per_cluster_are_capped_per_minute(
    db: Database, deployment: DeploymentForHealth, kube_control_plane: KubeControlPlane
) -> None:
    plane = kube_control_plane
    ns = await asyncio.to_thread(namespace, plane)
    for i in range(5):
        await asyncio.to_thread(create_event, plane, ns, f"Evicted{i}", type_="Warning")
    cluster_id = await running_cluster(db, deployment, plane)
    w = watcher(db, deployment, "a", warnings_per_minute=2)
    try:
        await w.tick()
        await until(db, cluster_id, ns, 5)
    finally:
        await w.stop()
    async with db.transaction() as session:
        published = (await session.execute(select(OUTBOX.c.payload).where(OUTBOX.c.subject == WARNING))).all()
    mine = [p for (p,) in published if cluster_id in p]
    assert len(mine) == 2  # of the cluster's warnings (five of them here), two within the minute
    assert w.budgets[cluster_id].refused >= 3
