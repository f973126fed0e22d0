"""The real Ansible content (playbooks/) deploying on lab hosts through the API.

The deployment service runs as its own process with KO_PLAYBOOKS_DIR on the product's playbooks/,
listening on the lab's bridge address so the nodes install from its repository the real test
offline package (Debian's containerd, runc, etcd, haproxy, keepalived; fake kubeadm and kubelet).
The phases after etcd are stubs until the fake API server exists (issue 5, part 2).

Then a second run of every deploy phase (outside the API, with the operation's own inventory groups
and extra-vars) changes nothing, and deleting the cluster resets the hosts to clean.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
import yaml

from tests.deployment.engine_support import Engine, lab_engine
from tests.lab.lab import Host, Lab
from tests.lab.sshutil import ssh_root
from tests.support.offline_package import PackageUnavailable, build_test_package

# A whole deploy, a second run and a reset on a busy 2-core machine: far beyond the suite's 300 s default.
pytestmark = [pytest.mark.lab, pytest.mark.timeout(1800)]

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
DEPLOY_TIMEOUT = 1500  # 2 cores shared with other test runs: the first deploy installs every package


@pytest.fixture(scope="module")
def engine(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    try:
        package = build_test_package()
    except PackageUnavailable as exc:
        pytest.skip(str(exc))
    with lab_engine(lab, tmp_path_factory.mktemp("deploy"), playbooks=PLAYBOOKS, host=lab.gateway,
                    package=package) as engine:  # fmt: skip
        yield engine


def phase_seconds(op: dict[str, Any]) -> dict[str, float]:
    return {
        p["name"]: round(
            (datetime.fromisoformat(p["ended_at"]) - datetime.fromisoformat(p["started_at"])).total_seconds(), 1
        )
        for p in op["phases"]
        if p["started_at"] and p["ended_at"]
    }


def etcd_health(host: Host) -> str:
    r = ssh_root(
        host,
        "etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt --key /etc/etcd/pki/client.key "
        f"--endpoints https://{host.ip}:2379 endpoint health",
    )
    return r.stdout + r.stderr


def run_again(engine: Engine, op_id: str, playbooks: list[str], tmp: Path) -> dict[str, dict[str, int]]:
    """Run playbooks with the operation's own inventory groups and extra-vars, outside the engine;
    returns the `changed` count per playbook and host."""
    with sqlite3.connect(engine.data_dir / "deployment.db") as db:
        spec = json.loads(db.execute("SELECT spec FROM operations WHERE id = ?", (op_id,)).fetchone()[0])
    by_id = {h: engine.lab.hosts[i] for i, h in enumerate(engine.host_ids)}
    hosts: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for node in spec["nodes"]:
        host = by_id[node["host_id"]]
        hosts[host.name] = {"ansible_host": host.ip, "ansible_user": "root",
                            "ansible_ssh_private_key_file": host.key_path, **node.get("hostvars", {})}  # fmt: skip
        for group in node["groups"]:
            groups.setdefault(group, {"hosts": {}})["hosts"][host.name] = None
    inventory = tmp / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts, "children": groups}}))
    changed: dict[str, dict[str, int]] = {}
    for playbook in playbooks:
        (tmp / playbook).mkdir()
        result = ansible_runner.run(
            private_data_dir=str(tmp / playbook), playbook=str(PLAYBOOKS / playbook), inventory=str(inventory),
            extravars={**spec["extravars"], "ko_artifacts_dir": str(tmp / "artifacts")}, quiet=True,
            envvars={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                     "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_PIPELINING": "True",
                     "ANSIBLE_SSH_ARGS": "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no "
                                         "-o ControlMaster=auto -o ControlPersist=30s"},
        )  # fmt: skip
        assert result.status == "successful", f"{playbook}: {result.status}\n{result.stdout.read()[-4000:]}"
        stats = result.stats or {}
        changed[playbook] = {h: (stats.get("changed") or {}).get(h, 0) for h in hosts}
    return changed


def test_one_master_one_worker_deploys_runs_again_unchanged_and_resets_clean(engine: Engine, tmp_path: Path) -> None:
    master, worker = engine.lab.hosts[:2]
    body = {
        "project_id": "p1", "name": "lab-real", "version": "1.36.0", "topology": "single",
        "nodes": [{"host_id": engine.host_ids[0], "role": "master"}, {"host_id": engine.host_ids[1], "role": "worker"}],
        "runtime": {"registry_mirrors": ["harbor.lab.internal:8443"]},
    }  # fmt: skip
    r = engine.call("POST", "/api/v1/clusters", json=body)
    assert r.status_code == 201, r.text
    op_id = r.json()["operation"]["id"]
    started = time.monotonic()
    op = engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=DEPLOY_TIMEOUT)
    assert op["status"] == "succeeded", op["failure"]
    assert [p["status"] for p in op["phases"]] == ["succeeded"] * 14
    print(f"deploy 1+1 through the API: {time.monotonic() - started:.0f}s;", phase_seconds(op))
    cluster = engine.call("GET", f"/api/v1/clusters/{r.json()['id']}").json()
    assert cluster["status"] == "running"

    # What the real phases left: etcd healthy with TLS, containerd with the mirror, haproxy on both.
    assert "is healthy" in etcd_health(master)
    for host in (master, worker):
        out = ssh_root(host, "systemctl is-active containerd haproxy; ctr version >/dev/null && echo ctr-ok; "
                             "cat /etc/containerd/certs.d/registry.k8s.io/hosts.toml; "
                             "cat /etc/apt/sources.list.d/*.list; kubeadm version -o short").stdout  # fmt: skip
        assert out.count("active") == 2 and "ctr-ok" in out, out
        assert 'host."https://harbor.lab.internal:8443"' in out
        assert "/repository/packages/1.36.0-amd64/debs ./" in out and "10.213" in out
        assert "v1.36.0" in out  # the fake kubeadm of the package, checksum verified
    assert ssh_root(worker, "systemctl is-active etcd").stdout.strip() != "active"
    listening = ssh_root(worker, "exec 3<>/dev/tcp/127.0.0.1/8443 && echo open").stdout
    assert "open" in listening

    # A second run of every phase changes nothing on any host.
    deploy = [p["playbook"] for p in yaml.safe_load((PLAYBOOKS / "operations.yml").read_text())["deploy"]]
    changed = run_again(engine, op_id, deploy, tmp_path)
    assert all(n == 0 for per_host in changed.values() for n in per_host.values()), changed

    # Deleting the cluster resets both hosts to clean (the reset operation), then forgets it.
    r = engine.call("DELETE", f"/api/v1/clusters/{cluster['id']}")
    assert r.status_code == 202, r.text
    reset = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled", timeout=600)
    assert reset["status"] == "succeeded", reset["failure"]
    deadline = time.monotonic() + 30
    while engine.call("GET", f"/api/v1/clusters/{cluster['id']}").status_code != 404:
        assert time.monotonic() < deadline, "the cluster is still there after its reset"
        time.sleep(0.2)
    for host in (master, worker):
        out = ssh_root(
            host,
            "dpkg-query -W -f='${Package} ${Status}\\n' containerd runc etcd-server etcd-client haproxy keepalived"
            " 2>/dev/null | grep -c ' installed' ; ls -d /etc/kubernetes /etc/etcd /var/lib/etcd /etc/containerd"
            " /etc/haproxy /usr/local/bin/kubeadm /etc/apt/sources.list.d/kubeoperator.list 2>/dev/null | wc -l;"
            " ls /var/lib/containerd | wc -l; ls /etc/apt/sources.list.d/; grep -c KubeOperator /etc/hosts",
        ).stdout.split()
        assert out[:3] == ["0", "0", "0"], out
        assert "kolab.list" in out and not any(o.endswith(".ko-disabled") for o in out), out
        assert out[-1] == "0", out
