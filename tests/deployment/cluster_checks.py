"""What a real 1 master + 1 worker deploy on lab hosts must leave, for the lab tests.

The suite's one 1+1 deploy is the console's (tests/e2e/test_console_lab_e2e.py): planned in the
wizard, watched to Running, then checked here through the API and on the hosts, run a second time
outside the product, and deleted from the console.

- ``check_through_the_api``: the kubeconfig downloaded through the API lets this machine's kubectl
  see 2 Ready nodes with their roles, labels and taint; the add-on phases' objects are there
  (``kube_objects.assert_addons``); kubeadm recorded a valid init on the master and a join through
  the load balancer on the worker; the kubelet runs the control plane; secrets are encrypted in etcd.
- ``check_hosts``: etcd healthy over TLS, containerd (with the registry mirror) and haproxy active on
  both, the package's apt source and kubeadm, no etcd on the worker, the load balancer listening.
- ``run_again``: every deploy phase once more, with the operation's own inventory groups and
  extra-vars (read from the deployment database), in one ansible-playbook run; its changed tasks.
- ``assert_reset_clean``: after the cluster's reset, nothing of it is left on a host.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ansible_runner
import yaml

from tests.deployment.engine_support import PRODUCT_PLAYBOOKS
from tests.deployment.kube_objects import assert_addons
from tests.lab.lab import Host
from tests.lab.sshutil import ssh_root
from tests.support.helm import kubectl_binary

# The deploy phases' playbooks, in order (what the product runs for a deploy operation).
DEPLOY_PLAYBOOKS = [p["playbook"] for p in yaml.safe_load((PRODUCT_PLAYBOOKS / "operations.yml").read_text())["deploy"]]
KUBERNETES = "v1.36.0"  # the test offline package's version


def etcd_health(host: Host) -> str:
    r = ssh_root(
        host,
        "etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt --key /etc/etcd/pki/client.key "
        f"--endpoints https://{host.ip}:2379 endpoint health",
    )
    return r.stdout + r.stderr  # etcdctl says it on stderr


def fake_calls(host: Host, name: str) -> list[dict[str, Any]]:
    """The calls a fake of the test package (kubeadm, kubelet) recorded on ``host``."""
    out = ssh_root(host, f"cat /var/lib/kubeoperator-fakes/{name}.calls.jsonl 2>/dev/null").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def check_through_the_api(
    download: Callable[[str], str], cluster: dict[str, Any], master: Host, worker: Host, tmp: Path
) -> None:
    """kubectl on this machine with the kubeconfig ``download(path)`` got through the API: 2 Ready
    nodes, roles, labels, taint and the add-ons; then what kubeadm and the kubelet recorded, and
    secrets encrypted in etcd."""
    text = download(f"/api/v1/clusters/{cluster['id']}/kubeconfig")
    kubeconfig = tmp / "kubeconfig"
    kubeconfig.write_text(text)
    assert yaml.safe_load(text)["clusters"][0]["cluster"]["server"] == f"https://{master.ip}:6443"
    kubectl = [str(kubectl_binary()), "--kubeconfig", str(kubeconfig), "--request-timeout", "20s"]
    got = subprocess.run([*kubectl, "get", "nodes", "-o", "json"], capture_output=True, text=True, timeout=60)
    assert got.returncode == 0, got.stderr
    nodes = {n["metadata"]["name"]: n for n in json.loads(got.stdout)["items"]}
    names = {h.name: ssh_root(h, "hostname").stdout.strip().lower() for h in (master, worker)}
    assert set(nodes) == set(names.values()), nodes.keys()
    for node in nodes.values():
        ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"]
        assert ready and ready[0]["status"] == "True", node["status"]
        assert node["status"]["nodeInfo"]["kubeletVersion"] == KUBERNETES
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
    assert cc["controlPlaneEndpoint"] == "127.0.0.1:8443" and cc["kubernetesVersion"] == KUBERNETES
    assert cc["etcd"]["external"]["endpoints"] == [f"https://{master.ip}:2379"]
    assert {"name": "encryption-provider-config", "value": "/etc/kubernetes/kubeoperator/encryption-config.yaml"} in (
        cc["apiServer"]["extraArgs"]
    )
    joins = [c for c in fake_calls(worker, "kubeadm") if c["argv"][:1] == ["join"]]
    # A JoinConfiguration file (deleted after the join: it holds the token), through the load balancer.
    assert [c["rc"] for c in joins] == [0] and joins[0]["argv"][1:2] == ["--config"], joins
    join = joins[0]["config"]["JoinConfiguration"]
    assert join["discovery"]["bootstrapToken"]["apiServerEndpoint"] == "127.0.0.1:8443", joins
    assert "controlPlane" not in join and "--control-plane" not in joins[0]["argv"]
    assert join["discovery"]["bootstrapToken"]["token"].endswith("<withheld>"), joins  # the token is not recorded
    assert joins[0]["result"] == {"node": worker.name, "endpoint": "127.0.0.1:8443", "control_plane": False}
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


def check_hosts(master: Host, worker: Host, mirror: str) -> None:
    """What the real phases left: etcd healthy with TLS, containerd with the mirror, haproxy on both."""
    assert "is healthy" in etcd_health(master)
    for host in (master, worker):
        out = ssh_root(host, "systemctl is-active containerd haproxy; ctr version >/dev/null && echo ctr-ok; "
                             "cat /etc/containerd/certs.d/registry.k8s.io/hosts.toml; "
                             "cat /etc/apt/sources.list.d/*.list; kubeadm version -o short").stdout  # fmt: skip
        assert out.count("active") == 2 and "ctr-ok" in out, out
        assert f'host."{mirror}"' in out, out
        # the repository at the lab's bridge address (whichever lab: the default range or another)
        bridge = master.ip.rsplit(".", 1)[0] + "."
        assert "/repository/packages/1.36.0-amd64/debs ./" in out and f"http://{bridge}" in out, out
        assert KUBERNETES in out, out  # the fake kubeadm of the package, checksum verified
    assert ssh_root(worker, "systemctl is-active etcd").stdout.strip() != "active"
    listening = ssh_root(worker, "exec 3<>/dev/tcp/127.0.0.1/8443 && echo open").stdout
    assert "open" in listening


def run_again(
    database: Path, op_id: str, hosts: dict[str, Host], tmp: Path, repository: dict[str, Any]
) -> dict[str, list[str]]:
    """Run every deploy phase again with operation ``op_id``'s own inventory groups and extra-vars
    (from the deployment service's SQLite ``database``; ``hosts``: inventory host id -> lab host) and
    the run-time ``ko_repository`` the service adds (url, port, path), outside the product; returns
    the changed tasks ("host: task") per play."""
    with sqlite3.connect(database) as db:
        spec = json.loads(db.execute("SELECT spec FROM operations WHERE id = ?", (op_id,)).fetchone()[0])
    inventory_hosts: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for node in spec["nodes"]:
        host = hosts[node["host_id"]]
        inventory_hosts[host.name] = {
            "ansible_host": host.ip, "ansible_user": "root", "ansible_ssh_private_key_file": host.key_path,
            **node.get("hostvars", {}),
        }  # fmt: skip
        for group in node["groups"]:
            groups.setdefault(group, {"hosts": {}})["hosts"][host.name] = None
    inventory = tmp / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": inventory_hosts, "children": groups}}))
    # One ansible-playbook run over all of them (one start, SSH connections reused across the phases),
    # the changed tasks counted per play (each phase playbook is one play named after its phase).
    (tmp / "all.yml").write_text(yaml.safe_dump([{"ansible.builtin.import_playbook": str(PRODUCT_PLAYBOOKS / p)}
                                                 for p in DEPLOY_PLAYBOOKS]))  # fmt: skip
    (tmp / "run").mkdir()
    result = ansible_runner.run(
        private_data_dir=str(tmp / "run"), playbook=str(tmp / "all.yml"), inventory=str(inventory),
        extravars={**spec["extravars"], "ko_repository": repository, "ko_artifacts_dir": str(tmp / "artifacts")},
        quiet=True,
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


def assert_reset_clean(hosts: list[Host]) -> None:
    """Nothing of a reset cluster is left: no package, directory (CNI state too), CNI link, image, apt
    source or /etc/hosts line."""
    for host in hosts:
        left = ssh_root(
            host,
            "dpkg-query -W -f='${Package} ${Status}\\n' containerd runc etcd-server etcd-client haproxy keepalived"
            " 2>/dev/null | grep -c ' installed' ; { ls -d /etc/kubernetes /etc/etcd /var/lib/etcd /etc/containerd"
            " /etc/haproxy /usr/local/bin/kubeadm /var/lib/kubelet /etc/apt/sources.list.d/kubeoperator.list"
            " /etc/cni /var/lib/cni /run/flannel 2>/dev/null;"
            " ip -o link show | grep -E '^[0-9]+: (cni0|flannel[.]1|cali[^:]*|vxlan[.]calico)[:@]'; } | wc -l;"
            " ls /var/lib/containerd | wc -l; ls /etc/apt/sources.list.d/; grep -c KubeOperator /etc/hosts",
        ).stdout.split()
        assert left[:3] == ["0", "0", "0"], (host.name, left)
        assert "kolab.list" in left and not any(o.endswith(".ko-disabled") for o in left), (host.name, left)
        assert left[-1] == "0", (host.name, left)
