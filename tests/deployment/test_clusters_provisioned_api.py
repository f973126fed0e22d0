"""Clusters planned from an inventory plan (`provisioning`), through the deployment service's API with the
real inventory behind it (no worker: the deploy stays queued; the whole path runs in
tests/provisioning/test_plan_cluster_lab.py).

- a plan of the project and of the cluster's topology plans a cluster with no nodes yet, whose deploy
  starts with the `provision` phase; `spec.provisioning` shows the plan;
- refused, naming the field: nodes and provisioning both, neither, an unknown plan, another topology;
- its delete resets nothing when no VM was made yet: the reset is only the `deprovision` phase.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.deployment.test_clusters_api import OUTSIDER, World, body, database_url, world

__all__ = ["database_url", "world"]


@pytest.fixture(autouse=True)
def _no_cloud_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KO_REGION_LOGIN_CHECK", "false")  # the regions here point at a made-up vCenter


def _plan(w: World, topology: str = "single") -> str:
    def made(path: str, data: dict[str, Any]) -> dict[str, Any]:
        r = w.call("POST", path, service="inventory", json=data)
        assert r.status_code == 201, r.text
        return dict(r.json())

    region = made("/api/v1/regions", {"project_id": "pc1", "name": f"r-{topology}", "provider": "vsphere",
                                      "endpoint": "https://vc.example", "datacenter": "dc1", "username": "u",
                                      "password": "p"})  # fmt: skip
    pool = made("/api/v1/ip-pools", {"project_id": "pc1", "name": f"p-{topology}", "subnet": "10.50.0.0/24",
                                     "gateway": "10.50.0.1",
                                     "ranges": [{"start": "10.50.0.10", "end": "10.50.0.20"}]})  # fmt: skip
    zone = made("/api/v1/zones", {"project_id": "pc1", "name": f"z-{topology}", "region_id": region["id"],
                                  "ip_pool_id": pool["id"], "provider_settings": {
                                      "cluster": "c", "datastore": "d", "template": "t", "network": "n"}})  # fmt: skip
    size = {"cpus": 2, "memory_gib": 4, "disk_gib": 40}
    plan = made("/api/v1/plans", {"project_id": "pc1", "name": f"plan-{topology}", "region_id": region["id"],
                                  "topology": topology, "worker_count": 1, "master_size": size, "worker_size": size,
                                  "zone_ids": [zone["id"]]})  # fmt: skip
    return str(plan["id"])


def test_a_cluster_planned_from_a_plan_has_no_nodes_and_starts_with_provision(world: World) -> None:
    w = world
    plan = _plan(w)
    planned = body(w, nodes=[], provisioning={"plan_id": plan, "worker_count": 2})
    r = w.call("POST", "/api/v1/clusters", json=planned)
    assert r.status_code == 201, r.text
    cluster = r.json()
    assert cluster["nodes"] == [] and cluster["spec"]["provisioning"] == {"plan_id": plan, "worker_count": 2}
    op = w.call("GET", f"/api/v1/operations/{cluster['operation']['id']}").json()
    assert op["kind"] == "deploy" and op["phases"][0]["name"] == "provision", op["phases"]
    assert op["phases"][0]["executor"] == "python" and len(op["phases"]) > 1

    d = w.call("DELETE", f"/api/v1/clusters/{cluster['id']}")
    assert d.status_code == 409, d.text  # its deploy is queued: busy
    assert w.call("POST", f"/api/v1/operations/{op['id']}/cancel").status_code == 200
    d = w.call("DELETE", f"/api/v1/clusters/{cluster['id']}")
    assert d.status_code == 202, d.text
    reset = w.call("GET", f"/api/v1/operations/{d.json()['operation']['id']}").json()
    assert [p["name"] for p in reset["phases"]] == ["deprovision"], reset["phases"]


def test_refusals_name_the_field(world: World) -> None:
    w = world
    plan = _plan(w)

    def refused(data: dict[str, Any], who: Any = None) -> dict[str, Any]:
        r = w.call("POST", "/api/v1/clusters", **({"who": who} if who else {}), json=data)
        assert r.status_code in (404, 422), r.text
        return {"status": r.status_code, **r.json()}

    def fields(answer: dict[str, Any]) -> set[str]:
        return {f["field"] for f in answer.get("fields") or []} | {answer.get("field")}

    both = refused(body(w, provisioning={"plan_id": plan}))
    assert "nodes" in fields(both), both
    neither = refused(body(w, nodes=[]))
    assert "nodes" in fields(neither), neither
    unknown = refused(body(w, nodes=[], provisioning={"plan_id": "nope"}))
    assert "provisioning.plan_id" in fields(unknown), unknown
    ha = refused(body(w, nodes=[], topology="ha", provisioning={"plan_id": plan}))
    assert "topology" in fields(ha) and "plan-single" in str(ha), ha
    other = refused(body(w, project_id="pc2", nodes=[], provisioning={"plan_id": plan}), OUTSIDER)
    assert "provisioning.plan_id" in fields(other), other  # another project's plan is not seen
    assert w.call("GET", "/api/v1/clusters").json()["total"] == 0


def test_workers_of_a_planned_cluster_are_added_by_count_and_of_others_by_hosts(world: World) -> None:
    w = world
    planned = w.call("POST", "/api/v1/clusters", json=body(w, name="vms", nodes=[],
                                                             provisioning={"plan_id": _plan(w)})).json()  # fmt: skip
    chosen = w.call("POST", "/api/v1/clusters", json=body(w, name="hosts")).json()
    by_hosts = w.call("POST", f"/api/v1/clusters/{planned['id']}/workers", json={"nodes": [{"host_id": w.hosts[2]}]})
    assert by_hosts.status_code == 422 and by_hosts.json()["field"] == "count", by_hosts.text
    by_count = w.call("POST", f"/api/v1/clusters/{chosen['id']}/workers", json={"count": 1})
    assert by_count.status_code == 422 and by_count.json()["field"] == "nodes", by_count.text
    assert w.call("POST", f"/api/v1/clusters/{planned['id']}/workers", json={"count": 0}).status_code == 422
