"""The health API, served for real: a cluster's health by the caller's projects, the list with its
filters, and clusters learnt from the deployment's events on NATS through the service's durable consumer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ko_common.bus import EventBus
from ko_common.db import new_id, utcnow, wait_for
from ko_common.identity import Identity
from ko_observability.health.models import ClusterHealth
from tests.observability.health import cluster_event
from tests.observability.support import ADMIN, ALICE, BOB, CAROL, Observability, serve, settings_for
from tests.support.procs import NatsServer


@pytest.fixture
def observability(tmp_path: Path, database_url: str, nats_server: NatsServer) -> Iterator[Observability]:
    # No deployment service here: the poller stays off, the verdicts are written as it would write them.
    settings = settings_for(tmp_path, database_url, nats_server.url, health_interval_seconds=0)
    with serve(settings) as obs:
        yield obs


async def _seed(obs: Observability, project_id: str, name: str, state: str, reasons: list[str]) -> str:
    db = obs.database()
    cluster_id = new_id()
    try:
        async with db.transaction() as session:
            now = utcnow()
            session.add(ClusterHealth(
                cluster_id=cluster_id, project_id=project_id, name=name, cluster_status="running", announced_at=now,
                state=state, reasons=json.dumps(reasons), checked_at=now, latency_ms=12.5, nodes_ready=2,
                nodes_total=3, unreachable_since=now if state == "unreachable" else None, due_at=now,
            ))  # fmt: skip
    finally:
        await db.dispose()
    return cluster_id


async def test_a_clusters_health_is_read_by_members_of_its_project(observability: Observability) -> None:
    obs = observability
    p1 = await _seed(obs, "p1", "prod", "degraded", ["Node w1 is not Ready (KubeletNotReady)."])
    p2 = await _seed(obs, "p2", "lab", "unreachable", ["The API server did not answer within 5 s."])
    p3 = await _seed(obs, "p3", "other", "healthy", [])
    seeded = {p1, p2, p3}

    r = await asyncio.to_thread(obs.call, "GET", f"/api/v1/clusters/{p1}/health", CAROL)
    assert r.status_code == 200, r.text
    body = r.json()
    keys = ("cluster_id", "project_id", "name", "state", "reasons", "nodes_ready", "nodes_total")
    assert {k: body[k] for k in keys} == {
        "cluster_id": p1, "project_id": "p1", "name": "prod", "state": "degraded",
        "reasons": ["Node w1 is not Ready (KubeletNotReady)."], "nodes_ready": 2, "nodes_total": 3}  # fmt: skip
    assert body["latency_ms"] == 12.5 and body["checked_at"] and body["unreachable_since"] is None
    # Another project's cluster, and one that does not exist, are the same 404 (ids cannot be probed).
    for cluster_id in (p3, "no-such-cluster"):
        r = await asyncio.to_thread(obs.call, "GET", f"/api/v1/clusters/{cluster_id}/health", ALICE)
        assert (r.status_code, r.json()["error"], r.json()["field"]) == (404, "not_found", "cluster_id"), r.text
    assert (await asyncio.to_thread(obs.call, "GET", f"/api/v1/clusters/{p1}/health", None)).status_code == 401

    async def listed(who: Identity, **params: str) -> list[str]:
        r = await asyncio.to_thread(obs.call, "GET", "/api/v1/cluster-health", who, params={"limit": 500, **params})
        assert r.status_code == 200, r.text
        # Only this test's clusters: the service also learns those other tests of the session announced
        # on the shared NATS (their ko.deployment.cluster.* events, in projects p1 and p2 too).
        return [c["name"] for c in r.json()["items"] if c["cluster_id"] in seeded]

    assert await listed(ALICE) == ["lab", "prod"]  # p1 and p2, by name
    assert await listed(ADMIN) == ["lab", "other", "prod"]
    assert await listed(ALICE, project_id="p2") == ["lab"]
    assert await listed(ADMIN, state="unreachable") == ["lab"]
    assert await listed(BOB, project_id="p3") == ["other"]
    r = await asyncio.to_thread(obs.call, "GET", "/api/v1/cluster-health", BOB, params={"project_id": "p1"})
    assert (r.status_code, r.json()["field"]) == (404, "project_id")
    r = await asyncio.to_thread(obs.call, "GET", "/api/v1/cluster-health", ADMIN, params={"state": "sick"})
    assert r.status_code == 422 and "state" in r.text


async def test_clusters_are_learnt_from_the_deployments_events(observability: Observability) -> None:
    obs = observability
    cluster_id = new_id()
    bus = EventBus(obs.settings.nats_url, "deployment-stand-in")
    await bus.connect(retry_forever=False)
    try:
        for verb, status in (("created", "waiting"), ("updated", "running")):
            env = cluster_event(verb, cluster_id, status)
            await bus.publish(f"ko.deployment.cluster.{verb}", env.model_dump_json().encode(), msg_id=env.id)
    finally:
        await bus.close()

    def known() -> bool:
        r = obs.call("GET", f"/api/v1/clusters/{cluster_id}/health", ALICE)
        return r.status_code == 200 and r.json()["cluster_status"] == "running"

    await wait_for(lambda: asyncio.to_thread(known), timeout=20)
    body = (await asyncio.to_thread(obs.call, "GET", f"/api/v1/clusters/{cluster_id}/health", ALICE)).json()
    assert (body["state"], body["reasons"], body["checked_at"]) == ("unknown", [], None)
