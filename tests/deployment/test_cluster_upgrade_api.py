"""Starting an upgrade through the clusters API (no lab: the operation stays queued).

The path along the imported packages (one minor version at a time, the newest patch of each minor
between), its phases (each step's own, the etcd snapshot once), each step's package handed to its
phases, and the refusals naming `version`: a downgrade, the same version, a version without a package,
a skipped minor, a busy cluster. The upgrade itself runs on a real cluster in test_real_cluster_lab.py.
"""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from tests.deployment.test_cluster_workers_api import running_cluster
from tests.deployment.test_clusters_api import RO, URL, World, database_url, seed_package, world

__all__ = ["database_url", "world"]


def test_upgrades_that_cannot_be_made_are_refused_naming_the_version(world: World) -> None:
    w = world
    c = running_cluster(w)  # 1.36.0
    path = f"{URL}/{c['id']}/upgrade"
    seed_package(w.dep_sync_url, "1.35.4")
    seed_package(w.dep_sync_url, "1.38.1")
    assert w.call("POST", path, RO, json={"version": "1.38.1"}).status_code == 403
    cases = {
        "1.35.4": "no downgrades",
        "1.36.0": "no downgrades",
        "1.36.9": "No ready offline package of Kubernetes 1.36.9",
        "1.38.1": "goes through 1.37",
        "2.0.0": "another major version",
        "latest": "not a Kubernetes version",
    }
    for version, why in cases.items():
        r = w.call("POST", path, json={"version": version})
        assert r.status_code == 422, (version, r.text)
        assert r.json()["field"] == "version" and why in r.json()["detail"], (version, r.text)
    bad = w.call("POST", path, json={"version": "1.38.1", "worker_batch_percent": 0})
    assert bad.status_code == 422 and "worker_batch_percent" in bad.text
    after = w.call("GET", f"{URL}/{c['id']}").json()
    assert (after["version"], after["status"], after["operation"]["kind"]) == ("1.36.0", "running", "deploy")


def test_an_upgrade_goes_one_minor_at_a_time_each_step_with_its_package(world: World) -> None:
    w = world
    c = running_cluster(w)  # 1.36.0
    for version in ("1.37.1", "1.37.4", "1.38.2", "1.39.0"):
        seed_package(w.dep_sync_url, version)
    r = w.call("POST", f"{URL}/{c['id']}/upgrade", json={"version": "1.38.2", "worker_batch_percent": 50})
    assert r.status_code == 202, r.text
    assert r.json()["operation"]["kind"] == "upgrade"
    op = w.call("GET", f"/api/v1/operations/{r.json()['operation']['id']}").json()
    assert [p["name"] for p in op["phases"]] == [
        "preflight-1.37.4", "etcd-snapshot", "packages-1.37.4", "control-plane-1.37.4", "workers-1.37.4",
        "version-1.37.4",
        "preflight-1.38.2", "packages-1.38.2", "control-plane-1.38.2", "workers-1.38.2", "version-1.38.2",
    ]  # fmt: skip
    # Each step's phases get that step's package; its packages phase leaves kubeadm and the kubelet alone.
    engine = create_engine(w.dep_sync_url)
    with engine.begin() as conn:
        spec = conn.execute(text("SELECT spec FROM operations WHERE id = :id"), {"id": op["id"]}).scalar_one()
    engine.dispose()
    phase_vars = (json.loads(spec) if isinstance(spec, str) else spec)["phase_vars"]
    assert phase_vars["control-plane-1.37.4"]["ko_package"]["url"].endswith("/packages/1.37.4-amd64")
    assert phase_vars["workers-1.38.2"]["ko_upgrade"] == {"to": "1.38.2"}
    assert phase_vars["packages-1.38.2"]["kubernetes_components_binaries"] == ["crictl", "helm"]
    busy = w.call("POST", f"{URL}/{c['id']}/upgrade", json={"version": "1.37.1"})
    assert busy.status_code == 409
    assert w.call("POST", f"/api/v1/operations/{r.json()['operation']['id']}/cancel").status_code == 200
    after = w.call("GET", f"{URL}/{c['id']}").json()
    assert after["status"] == "running" and after["version"] == "1.36.0"
    assert "The upgrade stopped" in after["status_message"] and "Retry it to resume" in after["status_message"]
