"""The real Ansible content (playbooks/) deploying on lab hosts through the API.

The deployment service runs as its own process with KO_PLAYBOOKS_DIR on the product's playbooks/,
listening on the lab's bridge address so the nodes install from its repository the real test
offline package (Debian's containerd, runc, etcd, haproxy, keepalived; real kubectl and helm; fake
kubeadm and kubelet, and control-plane images whose kube-apiserver is the fake API server on the
cluster's real etcd). The masters phase runs `kubeadm init`, the kubelet runs the static pods, the
workers phase joins the worker, the post phase labels the nodes and hands the kubeconfig back.

The kubeconfig downloaded through the API then lets this machine's kubectl see 2 Ready nodes with
their roles; kubeadm recorded a valid init on the master and a join on the worker; secrets are
stored encrypted in etcd.

Then a second run of every deploy phase (outside the API, with the operation's own inventory groups
and extra-vars) changes nothing, and deleting the cluster resets the hosts to clean.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
import yaml

from tests.deployment.engine_support import PRODUCT_PLAYBOOKS, Engine, delete_cluster, deploy_engine, phase_seconds
from tests.deployment.kube_objects import assert_addons
from tests.lab.lab import Host, Lab
from tests.lab.sshutil import ssh_root
from tests.support.helm import kubectl_binary

# A whole deploy, a second run and a reset on a busy 2-core machine: far beyond the suite's 300 s default.
# (About 15 min for the deploy and 10 for the second run when five engineers share the machine.)
pytestmark = [pytest.mark.lab, pytest.mark.timeout(2700)]

PLAYBOOKS = PRODUCT_PLAYBOOKS
DEPLOY_TIMEOUT = 1500  # 2 cores shared with other test runs: the first deploy installs every package


@pytest.fixture(scope="module")
def engine(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with deploy_engine(lab, tmp_path_factory.mktemp("deploy")) as engine:
        yield engine


def etcd_health(host: Host) -> str:
    r = ssh_root(
        host,
        "etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt --key /etc/etcd/pki/client.key "
        f"--endpoints https://{host.ip}:2379 endpoint health",
    )
    return r.stdout + r.stderr


def fake_calls(host: Host, name: str) -> list[dict[str, Any]]:
    out = ssh_root(host, f"cat /var/lib/kubeoperator-fakes/{name}.calls.jsonl 2>/dev/null").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def check_cluster_through_the_api(engine: Engine, cluster: dict[str, Any], tmp: Path) -> None:
    """kubectl on this machine with the kubeconfig downloaded through the API: 2 Ready nodes, roles, taint."""
    master, worker = engine.lab.hosts[:2]
    r = engine.call("GET", f"/api/v1/clusters/{cluster['id']}/kubeconfig")
    assert r.status_code == 200, r.text
    kubeconfig = tmp / "kubeconfig"
    kubeconfig.write_text(r.text)
    assert yaml.safe_load(r.text)["clusters"][0]["cluster"]["server"] == f"https://{master.ip}:6443"
    kubectl = [str(kubectl_binary()), "--kubeconfig", str(kubeconfig), "--request-timeout", "20s"]
    got = subprocess.run([*kubectl, "get", "nodes", "-o", "json"], capture_output=True, text=True, timeout=60)
    assert got.returncode == 0, got.stderr
    nodes = {n["metadata"]["name"]: n for n in json.loads(got.stdout)["items"]}
    names = {h.name: ssh_root(h, "hostname").stdout.strip().lower() for h in (master, worker)}
    assert set(nodes) == set(names.values()), nodes.keys()
    for node in nodes.values():
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True", node["status"]
        assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.36.0"
    m, w = nodes[names[master.name]], nodes[names[worker.name]]
    assert "node-role.kubernetes.io/control-plane" in m["metadata"]["labels"], m["metadata"]["labels"]
    assert {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"} in m["spec"].get("taints", [])
    assert "node-role.kubernetes.io/worker" in w["metadata"]["labels"], w["metadata"]["labels"]
    assert not w["spec"].get("taints"), w["spec"]
    assert {a["address"] for a in m["status"]["addresses"]} >= {master.ip}
    shown = subprocess.run([*kubectl, "get", "nodes"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and names[worker.name] in shown.stdout, shown.stdout + shown.stderr

    # The add-on phases' objects, every image one of the package's (the static pods' too).
    def get(args: str) -> Any:
        out = subprocess.run([*kubectl, "get", *args.split(), "-o", "json"], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    assert_addons(get, cluster["spec"])

    # kubeadm recorded a valid init on the master and a join through the load balancer on the worker.
    init = [c for c in fake_calls(master, "kubeadm") if c["argv"][:1] == ["init"]]
    assert [c["rc"] for c in init] == [0], init
    config = init[0]["config"]
    kinds = {"InitConfiguration", "ClusterConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"}
    assert set(config) == kinds, config
    cc = config["ClusterConfiguration"]
    assert cc["controlPlaneEndpoint"] == "127.0.0.1:8443" and cc["kubernetesVersion"] == "v1.36.0"
    assert cc["etcd"]["external"]["endpoints"] == [f"https://{master.ip}:2379"]
    assert {"name": "encryption-provider-config", "value": "/etc/kubernetes/kubeoperator/encryption-config.yaml"} in (
        cc["apiServer"]["extraArgs"]
    )
    joins = [c for c in fake_calls(worker, "kubeadm") if c["argv"][:1] == ["join"]]
    assert [c["rc"] for c in joins] == [0] and joins[0]["argv"][1] == "127.0.0.1:8443", joins
    assert "--control-plane" not in joins[0]["argv"]
    assert any(a.endswith("<withheld>") for a in joins[0]["argv"]), joins  # the token is not recorded
    # The kubelet runs the control plane from the imported images; kube-apiserver is the fake API server.
    out = ssh_root(master, "cat /var/lib/kubeoperator-fakes/kubelet.pods.jsonl").stdout
    started = {p["pod"] for p in map(json.loads, out.splitlines()) if p["event"] == "start"}
    assert started >= {"kube-apiserver", "kube-controller-manager", "kube-scheduler"}, started

    # Secrets are encrypted at rest: etcd holds them with the k8s:enc: prefix.
    stored = ssh_root(
        master,
        "ETCDCTL_API=3 etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt "
        f"--key /etc/etcd/pki/client.key --endpoints https://{master.ip}:2379 get --prefix "
        "/registry/secrets/kube-system/bootstrap-token- --print-value-only | head -c 40",
    ).stdout
    assert stored.startswith("k8s:enc:aescbc:v1:key1:"), stored


def run_again(engine: Engine, op_id: str, playbooks: list[str], tmp: Path) -> dict[str, list[str]]:
    """Run playbooks with the operation's own inventory groups and extra-vars, outside the engine;
    returns the changed tasks ("host: task") per play."""
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
    # One ansible-playbook run over all of them (one start, SSH connections reused across the phases),
    # the changed tasks counted per play (each phase playbook is one play named after its phase).
    (tmp / "all.yml").write_text(yaml.safe_dump([{"ansible.builtin.import_playbook": str(PLAYBOOKS / p)}
                                                 for p in playbooks]))  # fmt: skip
    (tmp / "run").mkdir()
    result = ansible_runner.run(
        private_data_dir=str(tmp / "run"), playbook=str(tmp / "all.yml"), inventory=str(inventory),
        extravars={**spec["extravars"], "ko_artifacts_dir": str(tmp / "artifacts")}, quiet=True,
        envvars={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
                 "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_PIPELINING": "True",
                 "ANSIBLE_SSH_ARGS": "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no "
                                     "-o ControlMaster=auto -o ControlPersist=120s"},
    )  # fmt: skip
    assert result.status == "successful", f"{result.status}\n{result.stdout.read()[-4000:]}"
    changed: dict[str, list[str]] = {}
    for event in result.events:
        data = event.get("event_data", {})
        if event.get("event") == "runner_on_ok" and (data.get("res") or {}).get("changed"):
            changed.setdefault(data.get("play", "?"), []).append(f"{data.get('host')}: {data.get('task')}")
    stats = result.stats or {}
    assert sum((stats.get("changed") or {}).values()) == sum(map(len, changed.values())), (stats, changed)
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
    check_cluster_through_the_api(engine, cluster, tmp_path)

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
    rerun = time.monotonic()
    changed = run_again(engine, op_id, deploy, tmp_path)
    print(f"second run of every phase: {time.monotonic() - rerun:.0f}s")
    assert changed == {}, changed

    # Deleting the cluster resets both hosts to clean (the reset operation), then forgets it.
    delete_cluster(engine, cluster["id"])
    for host in (master, worker):
        left = ssh_root(
            host,
            "dpkg-query -W -f='${Package} ${Status}\\n' containerd runc etcd-server etcd-client haproxy keepalived"
            " 2>/dev/null | grep -c ' installed' ; ls -d /etc/kubernetes /etc/etcd /var/lib/etcd /etc/containerd"
            " /etc/haproxy /usr/local/bin/kubeadm /var/lib/kubelet /etc/apt/sources.list.d/kubeoperator.list"
            " 2>/dev/null | wc -l;"
            " ls /var/lib/containerd | wc -l; ls /etc/apt/sources.list.d/; grep -c KubeOperator /etc/hosts",
        ).stdout.split()
        assert left[:3] == ["0", "0", "0"], left
        assert "kolab.list" in left and not any(o.endswith(".ko-disabled") for o in left), left
        assert left[-1] == "0", left
