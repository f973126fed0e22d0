"""The monitoring add-on through the clusters API (no lab, no worker: the operations stay queued).

Checked here is everything before a node is touched: who may, the settings refused naming each
field (sizes, a storage class on a cluster without a storage provisioner, a size without a class, a
change that deletes data without the cluster's name), a package without the charts, one operation at
a time (409) and only on a running cluster, and the install's phases with the extra-vars each phase
gets. The playbooks' values render through the stand-in charts in test_monitoring_render.py; the
operation runs on the real cluster in test_real_cluster_lab.py.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import create_engine, text

from tests.deployment.test_cluster_workers_api import running_cluster
from tests.deployment.test_clusters_api import RO, URL, World, body, database_url, named, world

__all__ = ["database_url", "world"]
CHARTS = {"kube-prometheus-stack": "88.5.3", "loki": "18.11.0", "alloy": "1.11.1", "grafana": "12.11.1"}


def path(cluster: dict[str, Any]) -> str:
    return f"{URL}/{cluster['id']}/addons/monitoring"


def sql(w: World, statement: str, **params: Any) -> Any:
    engine = create_engine(w.dep_sync_url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def carry_charts(w: World, charts: dict[str, str]) -> None:
    """The seeded package now lists these charts (as a package built with them would)."""
    (manifest,) = sql(w, "SELECT manifest FROM offline_packages WHERE version = '1.36.0'")[0]
    manifest = json.loads(manifest) if isinstance(manifest, str) else manifest
    manifest["artifacts"] = [{"kind": "chart", "name": n, "version": v} for n, v in charts.items()]
    sql(w, "UPDATE offline_packages SET manifest = :m WHERE version = '1.36.0'", m=json.dumps(manifest))


def with_storage(w: World, cluster: dict[str, Any]) -> None:
    (spec,) = sql(w, "SELECT spec FROM clusters WHERE id = :id", id=cluster["id"])[0]
    spec = json.loads(spec) if isinstance(spec, str) else spec
    spec["storage"] = {"provisioner": "nfs", "nfs_server": "10.1.0.5", "nfs_path": "/exports/k8s"}
    sql(w, "UPDATE clusters SET spec = :s WHERE id = :id", s=json.dumps(spec), id=cluster["id"])


def test_settings_are_refused_naming_each_field(world: World) -> None:
    w = world
    c = running_cluster(w)
    assert w.call("PUT", path(c), RO, json={}).status_code == 403
    r = w.call("PUT", path(c), json={"retention_days": 0, "storage_size_gi": 0, "storage_class": "Fast_SSD",
                                     "loki": "maybe", "prometheus": True})  # fmt: skip
    assert r.status_code == 422, r.text
    assert named(r) == {"retention_days", "storage_size_gi", "storage_class", "loki", "prometheus"}
    assert w.call("PUT", path(c), json={"retention_days": 366}).status_code == 422
    assert w.call("PUT", path(c), json={"storage_class": "fast", "storage_size_gi": 10241}).status_code == 422

    # Possible values, impossible on this cluster: no storage provisioner; a size without a class.
    r = w.call("PUT", path(c), json={"storage_class": "fast", "storage_size_gi": 50})
    assert r.status_code == 422 and named(r) == {"storage_class"}, r.text
    assert "no storage provisioner" in r.json()["fields"][0]["message"]
    r = w.call("PUT", path(c), json={"storage_size_gi": 50})
    assert r.status_code == 422 and named(r) == {"storage_size_gi"}, r.text

    # A package without the charts: 409 naming them (only those the settings need).
    r = w.call("PUT", path(c), json={"retention_days": 7})
    assert r.status_code == 409 and r.json()["field"] == "package", r.text
    assert "kube-prometheus-stack, loki, alloy, grafana" in r.json()["detail"]
    carry_charts(w, {"kube-prometheus-stack": "88.5.3"})
    r = w.call("PUT", path(c), json={"loki": False})
    assert r.status_code == 409 and "no chart grafana:" in r.json()["detail"], r.text
    assert w.call("GET", path(c), RO).json()["operation"] is None  # nothing was queued


def test_install_queues_the_phases_one_operation_at_a_time_then_uninstall(world: World) -> None:
    w = world
    c = running_cluster(w)
    shown = w.call("GET", path(c), RO)
    assert shown.status_code == 200, shown.text
    assert shown.json() == {"installed": False, "version": None, "charts": {}, "settings": None, "operation": None}
    carry_charts(w, CHARTS)
    with_storage(w, c)
    r = w.call("PUT", path(c), json={"retention_days": 7, "storage_class": "nfs-client", "storage_size_gi": 30})
    assert r.status_code == 202, r.text
    op = r.json()["operation"]
    assert (op["kind"], op["status"], op["phases_total"]) == ("monitoring-install", "queued", 5)
    assert r.json()["installed"] is False  # not before it succeeds

    (spec,) = sql(w, "SELECT spec FROM operations WHERE id = :id", id=op["id"])[0]
    spec = json.loads(spec) if isinstance(spec, str) else spec
    assert spec["extravars"]["ko_monitoring"] == {"retention_days": 7, "storage_class": "nfs-client",
                                                  "storage_size_gi": 30, "loki": True, "grafana": True}  # fmt: skip
    assert spec["phase_vars"] == {f"monitoring-{p}": {"ko_monitoring_phase": p}
                                  for p in ("crds", "prometheus", "logs", "grafana")}  # fmt: skip
    assert spec["extravars"]["ko_cluster"]["id"] == c["id"]
    phases = w.call("GET", f"/api/v1/operations/{op['id']}").json()["phases"]
    assert [p["name"] for p in phases] == [
        "images", "monitoring-crds", "monitoring-prometheus", "monitoring-logs", "monitoring-grafana"]  # fmt: skip
    assert w.call("GET", f"{URL}/{c['id']}").json()["operation"]["id"] == op["id"]

    # One operation at a time, as every Day-2 kind.
    again = w.call("PUT", path(c), json={})
    assert again.status_code == 409 and op["id"] in again.json()["detail"], again.text
    assert w.call("DELETE", path(c)).status_code == 409

    # It succeeded: installed with these settings; turning Loki off or another class deletes data.
    sql(w, "UPDATE operations SET status = 'succeeded' WHERE id = :id", id=op["id"])
    shown = w.call("GET", path(c), RO).json()
    assert (shown["installed"], shown["version"], shown["charts"]) == (True, "88.5.3", CHARTS)
    assert shown["settings"]["storage_class"] == "nfs-client" and shown["operation"]["status"] == "succeeded"
    r = w.call("PUT", path(c), json={"loki": False, "storage_class": "nfs-client", "storage_size_gi": 30})
    assert r.status_code == 422 and named(r) == {"confirm"} and "loki" in r.json()["detail"], r.text
    assert w.call("PUT", path(c), json={"retention_days": 7}).status_code == 422  # the volumes would go
    r = w.call("PUT", path(c), json={"loki": False, "storage_class": "nfs-client", "confirm": c["name"]})
    assert r.status_code == 202, r.text
    sql(w, "UPDATE operations SET status = 'succeeded' WHERE id = :id", id=r.json()["operation"]["id"])

    r = w.call("DELETE", path(c))
    assert r.status_code == 202 and r.json()["operation"]["kind"] == "monitoring-uninstall", r.text
    assert r.json()["installed"] is True  # until the removal succeeds
    sql(w, "UPDATE operations SET status = 'succeeded' WHERE id = :id", id=r.json()["operation"]["id"])
    assert w.call("GET", path(c)).json()["installed"] is False


def test_only_a_running_cluster(world: World) -> None:
    w = world
    carry_charts(w, CHARTS)
    failed = w.call("POST", URL, json=body(w, name="other", nodes=[{"host_id": w.hosts[2], "role": "master"}])).json()
    assert w.call("POST", f"/api/v1/operations/{failed['operation']['id']}/cancel").status_code == 200
    refused = w.call("PUT", path(failed), json={})
    assert refused.status_code == 409 and "is failed" in refused.json()["detail"], refused.text
    assert w.call("DELETE", path(failed)).status_code == 409
    assert w.call("GET", f"{URL}/no-such/addons/monitoring").status_code == 404
