"""A cluster planned from a plan, through the public API: its VMs made by Terraform, registered as hosts,
deployed to Running, then deleted with its VMs (issue 18).

vCenter cannot run here: the region is a vSphere one, and the lab VM double (tests/fakes/terraform-lab-vms,
real Terraform and the real null provider) stands in for the vSphere module, adopting the lab host at each
VM's address (the IP pool is the lab hosts' addresses; inventory's probe is off since they answer). All
else is the product as `make run` starts it, with the real offline package:

- `POST /api/v1/clusters` with `provisioning.plan_id` (1 master + 2 workers over 2 zones): the deploy's
  first phase, `provision`, has the provisioning service allocate the addresses, apply the module and
  register the VMs as inventory hosts with the key it injected; its phases show in the deploy's events
  (one live view); the VMs become the cluster's nodes and the deploy reaches Running;
- the workspace shows the VMs with their provider ids and hosts; the cluster's kubeconfig lists 3 nodes;
- `DELETE /api/v1/clusters/{id}`: the hosts are reset clean, then every VM destroyed, its host forgotten,
  its address back in the pool.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.deployment.cluster_checks import assert_reset_clean
from tests.deployment.test_real_cluster_lab import (
    CONTAINER_HOSTS,
    POD_CIDR,
    SERVICE_CIDR,
    _real_package,
    _wait_operation,
)
from tests.e2e.test_console_e2e import ADMIN_PASSWORD, Product, _free_port
from tests.lab.lab import Lab
from tests.provisioning.support import DOUBLE, PROVIDER, TOOL
from tests.support.real_package import k8s_bin_dir

pytestmark = [pytest.mark.realk8s, pytest.mark.lab, pytest.mark.timeout(3600)]
NAME = "planned"


@pytest.fixture(scope="module")
def product(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Product, httpx.Client, Path]]:
    if shutil.which("terraform") is None or not PROVIDER.exists():
        pytest.skip("needs terraform and the null provider 2.1.2 (a dev extra)")
    if len(lab.hosts) < 3:
        pytest.skip("a planned 1 master + 2 workers cluster needs 3 lab hosts")
    package = _real_package()
    tmp = tmp_path_factory.mktemp("planned")
    modules = tmp / "modules"
    shutil.copytree(DOUBLE, modules / "vsphere", ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    mirror = tmp / "mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    mirror.mkdir(parents=True)
    shutil.copy2(PROVIDER, mirror / PROVIDER.name)
    command = [sys.executable, str(TOOL), "--lab", lab.name, "--lab-state", str(lab.state.parent)]
    env = {
        "KO_TERRAFORM_MODULES_DIR": str(modules), "KO_TERRAFORM_PLUGIN_DIR": str(tmp / "mirror"),
        "KO_TERRAFORM_EXTRA_VARS": json.dumps({"lab_command": command}),
        "KO_IP_PROBE_PORTS": "[]",  # the pool's addresses are lab hosts, which answer
    }  # fmt: skip
    product = Product(tmp / "data", _free_port(), env)
    api = httpx.Client(base_url=product.url, timeout=60, trust_env=False)
    try:
        product.wait_ready()
        r = api.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        api.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        r = api.post("/api/v1/offline-packages", json={"source": str(package)})
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + 600
        while (p := api.get(f"/api/v1/offline-packages/{r.json()['id']}").json())["status"] == "importing":
            assert time.monotonic() < deadline, p
            time.sleep(1)
        assert p["status"] == "ready", p
        yield product, api, tmp
    finally:
        api.close()
        product.stop()


def _made(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(path, json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _registry(lab: Lab) -> dict[str, Any]:
    path = lab.state / "vms.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_a_cluster_planned_from_a_plan_gets_its_vms_deploys_and_is_deleted_with_them(
    lab: Lab, product: tuple[Product, httpx.Client, Path]
) -> None:
    prod, api, tmp = product
    hosts = lab.hosts[:4]  # 1 master + 2 workers, and a third worker when the lab has a fourth host
    project = next(p["id"] for p in api.get("/api/v1/projects").json()["items"] if p["name"] == "default")
    version = api.get("/api/v1/offline-packages").json()["items"][0]["kubernetes_version"]
    region = _made(api, "/api/v1/regions", {
        "project_id": project, "name": "lab-vsphere", "provider": "vsphere", "endpoint": "https://vc.lab.internal",
        "datacenter": "dc1", "username": "ko@vsphere.local", "password": "vc-p@ss"})  # fmt: skip
    pool = _made(api, "/api/v1/ip-pools", {
        "project_id": project, "name": "lab-pool", "subnet": str(lab.net), "gateway": lab.gateway,
        "ranges": [{"start": h.ip, "end": h.ip} for h in hosts]})  # fmt: skip
    zones = [_made(api, "/api/v1/zones", {
        "project_id": project, "name": f"zone-{i}", "region_id": region["id"], "ip_pool_id": pool["id"],
        "provider_settings": {"cluster": "c1", "datastore": "ds1", "template": "debian-12", "network": "VM Network"},
    })["id"] for i in range(2)]  # fmt: skip
    size = {"cpus": 2, "memory_gib": 4, "disk_gib": 40}
    plan = _made(api, "/api/v1/plans", {
        "project_id": project, "name": "lab-plan", "region_id": region["id"], "topology": "single",
        "worker_count": 2, "master_size": size, "worker_size": size, "zone_ids": zones})  # fmt: skip

    wrong = api.post("/api/v1/clusters", json={"project_id": project, "name": NAME, "version": version,
                                               "topology": "ha", "provisioning": {"plan_id": plan["id"]}})  # fmt: skip
    assert wrong.status_code == 422 and "topology" in wrong.text, wrong.text
    body = {
        "project_id": project, "name": NAME, "version": version, "topology": "single",
        "provisioning": {"plan_id": plan["id"]},
        "network": {"plugin": "none", "pod_cidr": POD_CIDR, "service_cidr": SERVICE_CIDR},
        "addons": {"coredns": False, "metrics_server": False}, "ingress": {"enabled": False},
        "advanced": CONTAINER_HOSTS,
    }  # fmt: skip
    started = time.monotonic()
    r = api.post("/api/v1/clusters", json=body)
    assert r.status_code == 201, r.text
    cluster = r.json()
    assert cluster["nodes"] == [] and cluster["spec"]["provisioning"]["plan_id"] == plan["id"], cluster
    op = _wait_operation(api, cluster["operation"]["id"], 2400)
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{prod.output()}"
    print(f"\nplanned 1+2 cluster: VMs and deploy in {time.monotonic() - started:.0f} s")
    assert op["phases"][0]["name"] == "provision", op["phases"]
    events = api.get(f"/api/v1/operations/{op['id']}/events", params={"limit": 1000}).json()["items"]
    texts = [e["excerpt"] for e in events]
    assert any("phase apply succeeded" in t for t in texts), texts[:40]  # the VMs' progress in the deploy's view

    cluster = api.get(f"/api/v1/clusters/{cluster['id']}").json()
    assert cluster["status"] == "running", cluster
    assert sorted((n["name"], n["role"]) for n in cluster["nodes"]) == [
        (f"{NAME}-master-1", "master"),
        (f"{NAME}-worker-1", "worker"),
        (f"{NAME}-worker-2", "worker"),
    ]
    ws = api.get(f"/api/v1/workspaces/{cluster['id']}").json()
    assert ws["status"] == "ready" and all(v["status"] == "registered" and v["provider_id"] for v in ws["vms"]), ws
    assert ws["cluster_id"] == cluster["id"], ws
    refused = api.delete(f"/api/v1/workspaces/{ws['id']}")  # the cluster's VMs change with the cluster only
    assert refused.status_code == 409 and "delete the cluster" in refused.text, refused.text
    assert {v["address"] for v in ws["vms"]} < {h.ip for h in hosts}
    assert set(_registry(lab)) == {v["name"] for v in ws["vms"]}
    kubeconfig = tmp / "kubeconfig"
    kubeconfig.write_text(api.get(f"/api/v1/clusters/{cluster['id']}/kubeconfig").text)
    _, bin_dir = k8s_bin_dir()
    nodes = subprocess.run([str(bin_dir / "kubectl"), "--kubeconfig", str(kubeconfig), "get", "nodes", "-o", "name"],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert len(nodes.stdout.split()) == 3, nodes.stdout + nodes.stderr
    if len(hosts) == 4:
        _scale(api, lab, cluster["id"])

    r = api.delete(f"/api/v1/clusters/{cluster['id']}")
    assert r.status_code == 202, r.text
    gone = _wait_operation(api, r.json()["operation"]["id"], 900)
    assert gone["status"] == "succeeded", f"{gone.get('failure')}\n{prod.output()}"
    assert gone["phases"][-1]["name"] == "deprovision", gone["phases"]
    assert api.get(f"/api/v1/clusters/{cluster['id']}").status_code == 404
    assert api.get(f"/api/v1/workspaces/{cluster['id']}").status_code == 404
    assert api.get(f"/api/v1/ip-pools/{pool['id']}").json()["counts"]["free"] == len(hosts)
    assert _registry(lab) == {}
    assert api.get("/api/v1/hosts", params={"project_id": project}).json()["total"] == 0
    assert_reset_clean(hosts)


def _scale(api: httpx.Client, lab: Lab, cluster_id: str) -> None:
    """One worker more (a new VM in the plan's next zone, then it joins), then the first worker removed
    (drained and reset, then its VM destroyed and its address freed)."""
    r = api.post(f"/api/v1/clusters/{cluster_id}/workers", json={"count": 1})
    assert r.status_code == 202, r.text
    op = _wait_operation(api, r.json()["operation"]["id"], 1200)
    assert op["status"] == "succeeded" and op["phases"][0]["name"] == "provision", op.get("failure")
    cluster = api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert sorted(n["name"] for n in cluster["nodes"]) == sorted(
        [f"{NAME}-master-1", f"{NAME}-worker-1", f"{NAME}-worker-2", f"{NAME}-worker-3"]
    ), cluster["nodes"]
    ws = api.get(f"/api/v1/workspaces/{cluster_id}").json()
    assert ws["worker_count"] == 3 and len(ws["vms"]) == 4, ws
    third = next(v for v in ws["vms"] if v["name"] == f"{NAME}-worker-3")
    first = next(v for v in ws["vms"] if v["name"] == f"{NAME}-worker-1")
    assert third["zone_id"] == first["zone_id"] and third["status"] == "registered", ws["vms"]  # round-robin

    r = api.delete(f"/api/v1/clusters/{cluster_id}/workers/{NAME}-worker-1")
    assert r.status_code == 202, r.text
    op = _wait_operation(api, r.json()["operation"]["id"], 1200)
    assert op["status"] == "succeeded" and op["phases"][-1]["name"] == "deprovision", op.get("failure")
    cluster = api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert f"{NAME}-worker-1" not in {n["name"] for n in cluster["nodes"]} and len(cluster["nodes"]) == 3
    ws = api.get(f"/api/v1/workspaces/{cluster_id}").json()
    assert sorted(v["name"] for v in ws["vms"]) == sorted([f"{NAME}-master-1", f"{NAME}-worker-2", f"{NAME}-worker-3"])
    assert f"{NAME}-worker-1" not in _registry(lab)
