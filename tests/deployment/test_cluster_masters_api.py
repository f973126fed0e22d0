"""Adding and removing masters through the clusters API (no lab: the operations stay queued).

Everything before a host is touched: who may, which hosts may join as masters (every problem at once,
naming `nodes[i].host_id`, a host of another cluster among them), and the removals that would leave
no master or lose etcd's quorum refused with the reason and nothing changed. The operations run on a
real HA cluster in test_real_ha_lab.py.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text

from ko_deployment.clusters.models import Cluster, ClusterNode
from ko_deployment.clusters.service import operation_spec
from tests.deployment.test_cluster_workers_api import hosts_by_id, running_cluster
from tests.deployment.test_clusters_api import PM, RO, URL, World, body, database_url, named, world

__all__ = ["database_url", "world"]


def _set_nodes(w: World, cluster_id: str, **statuses: tuple[str, str]) -> None:
    """name -> (role, status) of nodes, as finished operations and the health poller leave them."""
    engine = create_engine(w.dep_sync_url)
    with engine.begin() as conn:
        for name, (role, status) in statuses.items():
            conn.execute(
                text("UPDATE cluster_nodes SET role = :role, status = :status WHERE cluster_id = :id AND name = :name"),
                {"role": role, "status": status, "id": cluster_id, "name": name},
            )
        conn.execute(text("UPDATE clusters SET status = 'running' WHERE id = :id"), {"id": cluster_id})
    engine.dispose()


def test_add_masters_refuses_bad_hosts_naming_each_and_changes_nothing(world: World) -> None:
    w = world
    c = running_cluster(w)
    other = w.call("POST", URL, json=body(w, name="other", nodes=[{"host_id": w.hosts[3], "role": "master"}])).json()
    path = f"{URL}/{c['id']}/masters"
    assert w.call("POST", path, RO, json={"nodes": [{"host_id": w.hosts[2]}]}).status_code == 403
    r = w.call("POST", path, json={"nodes": [
        {"host_id": w.hosts[1]},  # already a node (the worker)
        {"host_id": w.hosts[3]},  # in the other cluster
        {"host_id": w.hosts[4]},  # unreachable
    ]})  # fmt: skip
    assert r.status_code == 422, r.text
    assert named(r) == {"nodes[0].host_id", "nodes[1].host_id", "nodes[2].host_id"}
    details = {f["field"]: f["message"] for f in r.json()["fields"]}
    assert "already a node of this cluster" in details["nodes[0].host_id"]
    assert f"already belongs to cluster {other['id']}" in details["nodes[1].host_id"]
    assert "is unreachable" in details["nodes[2].host_id"]
    assert w.call("POST", path, json={"nodes": []}).status_code == 422
    assert hosts_by_id(w)[w.hosts[3]]["cluster_id"] == other["id"]
    assert len(w.call("GET", f"{URL}/{c['id']}").json()["nodes"]) == 2


def test_the_only_master_is_never_removed(world: World) -> None:
    w = world
    c = running_cluster(w)
    r = w.call("DELETE", f"{URL}/{c['id']}/masters/node1")
    assert r.status_code == 409 and r.json()["field"] == "node", r.text
    assert "only master" in r.json()["detail"] and "at least one" in r.json()["detail"]
    worker = w.call("DELETE", f"{URL}/{c['id']}/masters/node2")
    assert worker.status_code == 422 and "is a worker" in worker.json()["detail"]
    assert w.call("GET", f"{URL}/{c['id']}").json()["operation"]["kind"] == "deploy"  # nothing queued


def test_add_a_master_then_removals_that_would_lose_quorum_are_refused(world: World) -> None:
    w = world
    c = running_cluster(w)
    r = w.call("POST", f"{URL}/{c['id']}/masters", PM, json={"nodes": [{"host_id": w.hosts[2]}]})
    assert r.status_code == 202, r.text
    assert r.json()["operation"]["kind"] == "add-masters" and r.json()["status"] == "running"
    assert [(n["name"], n["role"], n["status"]) for n in r.json()["nodes"]][-1] == ("node3", "master", "joining")
    assert hosts_by_id(w)[w.hosts[2]]["cluster_id"] == c["id"]
    assert w.call("POST", f"/api/v1/operations/{r.json()['operation']['id']}/cancel").status_code == 200

    # Three masters (node2 made one here), node3 not ready: removing a healthy one would leave 2 members
    # of which 1 is healthy, below the quorum of 2.
    _set_nodes(w, c["id"], node2=("master", "ready"), node3=("master", "not-ready"))
    refused = w.call("DELETE", f"{URL}/{c['id']}/masters/node1")
    assert refused.status_code == 409 and refused.json()["field"] == "node", refused.text
    assert "would lose etcd's quorum" in refused.json()["detail"] and "node3" in refused.json()["detail"]
    # Two of three not ready: the quorum is lost already, nothing may be removed.
    _set_nodes(w, c["id"], node2=("master", "not-ready"))
    lost = w.call("DELETE", f"{URL}/{c['id']}/masters/node3", params={"force": "true"})
    assert lost.status_code == 409 and "lost its quorum already" in lost.json()["detail"], lost.text
    assert [n["status"] for n in w.call("GET", f"{URL}/{c['id']}").json()["nodes"]] == [
        "ready", "not-ready", "not-ready"
    ]  # fmt: skip
    # The dead master itself may go (2 healthy of the 2 left once node2 is back).
    _set_nodes(w, c["id"], node2=("master", "ready"))
    gone = w.call("DELETE", f"{URL}/{c['id']}/masters/node3", params={"force": "true"})
    assert gone.status_code == 202, gone.text
    assert gone.json()["operation"]["kind"] == "remove-masters"
    assert [n["status"] for n in gone.json()["nodes"] if n["name"] == "node3"] == ["removing"]


def test_a_joining_master_is_never_the_first_master_and_the_rest_keep_name_order() -> None:
    """masters[0] runs kubeadm init, makes the certificates and adds etcd members: a master being added
    (no copy of the certificate authorities yet) must not be it, even when its name sorts first."""
    cluster = Cluster(id="c1", project_id="p", name="c", version="1.36.1", arch="amd64", spec={})
    for i, (name, role, status) in enumerate([
        ("lab2", "master", "ready"), ("lab3", "master", "ready"), ("lab4", "worker", "ready"),
        ("lab1", "master", "joining"),
    ]):  # fmt: skip
        cluster.nodes.append(
            ClusterNode(position=i, host_id=f"h-{name}", name=name, ip=f"10.0.0.{i}", role=role, status=status)
        )
    order = [n["host_id"] for n in operation_spec(cluster, {}, "http://repo")["nodes"]]
    assert order == ["h-lab2", "h-lab1", "h-lab3", "h-lab4"]
    cluster.nodes[3].status = "ready"  # joined: first by name again, as the inventory always ordered them
    assert operation_spec(cluster, {}, "http://repo")["nodes"][0]["host_id"] == "h-lab1"
