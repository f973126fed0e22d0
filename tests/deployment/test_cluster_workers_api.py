"""Adding and removing workers through the clusters API (no lab, no worker: the operations stay queued).

What is checked here is everything before a host is touched: who may, which hosts may join (every
problem at once, naming `nodes[i]...`), labels and taints validated, the hosts claimed in inventory
and released when the operation cannot be queued, one operation at a time, the cluster's status
through a cancel. The operations themselves run on a real cluster in test_real_cluster_lab.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text

from tests.deployment.test_clusters_api import PM, RO, URL, World, body, database_url, named, world

__all__ = ["database_url", "world"]


def running_cluster(w: World) -> dict[str, Any]:
    """A planned cluster whose deploy is cancelled, then marked running as a finished deploy leaves it."""
    made = w.call("POST", URL, json=body(w, name="day2")).json()
    assert w.call("POST", f"/api/v1/operations/{made['operation']['id']}/cancel").status_code == 200
    engine = create_engine(w.dep_sync_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE clusters SET status = 'running' WHERE id = :id"), {"id": made["id"]})
        conn.execute(text("UPDATE cluster_nodes SET status = 'ready' WHERE cluster_id = :id"), {"id": made["id"]})
    engine.dispose()
    return dict(made)


def hosts_by_id(w: World) -> dict[str, Any]:
    return {h["id"]: h for h in w.call("GET", "/api/v1/hosts", service="inventory").json()["items"]}


def test_add_workers_refuses_bad_hosts_and_labels_naming_each(world: World) -> None:
    w = world
    c = running_cluster(w)
    path = f"{URL}/{c['id']}/workers"
    assert w.call("POST", path, RO, json={"nodes": [{"host_id": w.hosts[2]}]}).status_code == 403
    r = w.call("POST", path, json={"nodes": [
        {"host_id": w.hosts[0]},  # already a node
        {"host_id": w.hosts[4]},  # unreachable
        {"host_id": w.hosts[2]},
        {"host_id": w.hosts[2]},  # given twice
        {"host_id": "nope"},
    ]})  # fmt: skip
    assert r.status_code == 422, r.text
    assert named(r) == {f"nodes[{i}].host_id" for i in (0, 1, 3, 4)}
    details = {f["field"]: f["message"] for f in r.json()["fields"]}
    assert "already a node of this cluster" in details["nodes[0].host_id"]
    assert "is unreachable" in details["nodes[1].host_id"]
    assert "the same host as nodes[2]" in details["nodes[3].host_id"]
    bad = w.call("POST", path, json={"nodes": [{"host_id": w.hosts[2], "labels": {"kubernetes.io/role": "x"},
                                                "taints": [{"key": "gpu", "effect": "Sometimes"}]}]})  # fmt: skip
    # (schema errors name their field in dotted form, the checks against inventory with indexes)
    assert bad.status_code == 422 and {"nodes.0.labels", "nodes.0.taints.0.effect"} <= named(bad), bad.text
    # Nothing changed: the host is free, the cluster has its two nodes.
    assert hosts_by_id(w)[w.hosts[2]]["cluster_id"] is None
    assert len(w.call("GET", f"{URL}/{c['id']}").json()["nodes"]) == 2


def test_add_then_remove_workers_queue_their_operations(world: World) -> None:
    w = world
    c = running_cluster(w)
    node = {"host_id": w.hosts[2], "labels": {"example.com/rack": "r1"},
            "taints": [{"key": "example.com/gpu", "value": "yes", "effect": "NoSchedule"}]}  # fmt: skip
    r = w.call("POST", f"{URL}/{c['id']}/workers", json={"nodes": [node]})
    assert r.status_code == 202, r.text
    added = r.json()
    assert added["operation"]["kind"] == "add-workers" and added["operation"]["status"] == "queued"
    assert [(n["name"], n["role"], n["status"]) for n in added["nodes"]][-1] == ("node3", "worker", "joining")
    assert hosts_by_id(w)[w.hosts[2]]["cluster_id"] == c["id"]
    # One operation at a time.
    busy = w.call("POST", f"{URL}/{c['id']}/workers", json={"nodes": [{"host_id": w.hosts[3]}]})
    assert busy.status_code == 409 and added["operation"]["id"] in busy.json()["detail"]
    assert hosts_by_id(w)[w.hosts[3]]["cluster_id"] is None
    # A cancel leaves the cluster running, saying so.
    assert w.call("POST", f"/api/v1/operations/{added['operation']['id']}/cancel").status_code == 200
    after = w.call("GET", f"{URL}/{c['id']}").json()
    assert after["status"] == "running"
    assert after["status_message"] == "Adding workers was cancelled at phase one. Retry it, or remove the new workers."

    remove = f"{URL}/{c['id']}/workers"
    gone = w.call("DELETE", f"{remove}/nosuch")
    assert gone.status_code == 404 and gone.json()["field"] == "node" and "node1, node2, node3" in gone.json()["detail"]
    master = w.call("DELETE", f"{remove}/node1")
    assert master.status_code == 422 and "is a master" in master.json()["detail"]
    joining = w.call("DELETE", f"{remove}/node3")
    assert joining.status_code == 409 and "force=true" in joining.json()["detail"]
    assert w.call("DELETE", f"{remove}/node3", RO, params={"force": "true"}).status_code == 403
    r = w.call("DELETE", f"{remove}/node3", PM, params={"force": "true"})
    assert r.status_code == 202, r.text
    assert r.json()["operation"]["kind"] == "remove-workers"
    assert [n["status"] for n in r.json()["nodes"] if n["name"] == "node3"] == ["removing"]


def test_rebuild_is_for_workers_and_queues_its_operation(world: World) -> None:
    w = world
    c = running_cluster(w)
    path = f"{URL}/{c['id']}/workers"
    assert w.call("POST", f"{path}/node2/rebuild", RO).status_code == 403
    assert w.call("POST", f"{path}/nosuch/rebuild").status_code == 404
    master = w.call("POST", f"{path}/node1/rebuild")
    assert master.status_code == 422 and master.json()["field"] == "node" and "only workers" in master.json()["detail"]
    r = w.call("POST", f"{path}/node2/rebuild")
    assert r.status_code == 202, r.text
    assert r.json()["operation"]["kind"] == "rebuild-worker"
    assert [n["status"] for n in r.json()["nodes"] if n["name"] == "node2"] == ["rebuilding"]
    busy = w.call("POST", f"{path}/node2/rebuild")
    assert busy.status_code == 409
