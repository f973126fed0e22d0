"""The built-in compliance check on a real cluster, for the lab test of that cluster (test_real_cluster_lab.py).

``check_compliance(real)`` makes the master's admin kubeconfig readable by all (0644), starts a node
check through the public API, waits for its compliance-check operation and asserts: CIS 1.1.13 fails
on the master with the observed mode and the chmod remedy; the API server's and etcd's flags were read
there (1.2.6, 2.2 pass); the worker's kubelet items were judged and its control-plane items skipped;
no task changed anything on a node (only the facts handed over on the machine running Ansible). The
file's 0600 is restored whatever happens.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from tests.lab.sshutil import ssh_root

if TYPE_CHECKING:
    from tests.deployment.test_real_cluster_lab import RealCluster

ADMIN_CONF = "/etc/kubernetes/admin.conf"
HANDING_OVER = {"Compliance | Folder for the facts on the machine that runs Ansible",
                "Compliance | Hand the facts to the deployment service"}  # fmt: skip


def _ended(api: httpx.Client, op_id: str, timeout: float = 900) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        op: dict[str, Any] = api.get(f"/api/v1/operations/{op_id}").json()
        if op["status"] in ("succeeded", "failed", "cancelled"):
            return op
        assert time.monotonic() < deadline, op
        time.sleep(2)


def check_compliance(real: RealCluster) -> None:
    master, worker = real.hosts[0], real.hosts[1]
    base = f"/api/v1/clusters/{real.cluster['id']}/compliance-runs"
    assert ssh_root(master, f"chmod 0644 {ADMIN_CONF}").returncode == 0
    try:
        r = real.api.post(base)
        assert r.status_code == 202, r.text
        run = r.json()
        op = _ended(real.api, run["operation_id"])
        assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()}"
        shown = real.api.get(f"{base}/{run['id']}").json()
        assert shown["status"] == "succeeded", shown
        items = {(i["id"], i["node"]): i for i in shown["items"]}
        admin = items[("1.1.13", master.name)]
        # (kubeadm 1.29+ also writes super-admin.conf: its mode is observed beside)
        assert admin["status"] == "fail" and f"{ADMIN_CONF} 0644" in admin["observed"], admin
        assert admin["remedy"].startswith(f"chmod 600 {ADMIN_CONF}"), admin
        assert items[("1.2.6", master.name)]["status"] == "pass", items[("1.2.6", master.name)]
        assert items[("2.2", master.name)]["status"] == "pass", items[("2.2", master.name)]
        assert items[("1.2.6", worker.name)]["status"] == "skip"
        assert items[("4.2.2", worker.name)]["status"] != "skip", items[("4.2.2", worker.name)]
        assert shown["summary"]["fail"] >= 1 and shown["summary"]["pass"] >= 10, shown["summary"]
        events = real.api.get(f"/api/v1/operations/{op['id']}/events", params={"limit": 1000}).json()["items"]
        # (a task's name may carry its role's, "compliance : Compliance | ...")
        changed = {e["task"] for e in events if e["changed"] and not str(e["task"]).endswith(tuple(HANDING_OVER))}
        assert not changed, f"a compliance task changed a node: {changed}"
    finally:
        ssh_root(master, f"chmod 0600 {ADMIN_CONF}")
    assert ssh_root(master, f"stat -c %a {ADMIN_CONF}").stdout.strip() == "600"
