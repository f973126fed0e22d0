"""The kubeadm configurations the masters and workers roles write, rendered locally by Ansible (no lab).

The kubernetes_master role's kubeadm-config.yaml (InitConfiguration, ClusterConfiguration,
KubeletConfiguration, KubeProxyConfiguration) and both roles' JoinConfiguration, for a cluster
planned before the newer settings (advanced without kubeadm_ignore_preflight_errors, no kubelet
cgroupDriver) and one using them: each is read back by the kubeadm fake's v1beta4 schema (unknown
fields refused by name), the spec's preflight errors to ignore reach nodeRegistration in init and
both joins, the kubelet's cgroup driver follows the spec, and the token and CA hash come from the
join command made on the first master.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = ROOT / "playbooks"
ROLES = PLAYBOOKS / "roles"
BIN = Path(sys.executable).parent
FAKE = ROOT / "tests" / "fakes" / "kubeadm-fake"
TOKEN = "abcdef.0123456789abcdef"
CA_HASH = "sha256:" + "a" * 64
JOIN_COMMAND = {"stdout": f"kubeadm join 127.0.0.1:8443 --token {TOKEN} --discovery-token-ca-cert-hash {CA_HASH} "}
OLD_ADVANCED: dict[str, Any] = {"kubelet_config": {}, "kube_proxy_config": {}, "containerd_config": {},
                "control_plane_args": {"apiserver": {}, "controller_manager": {}, "scheduler": {}}}  # fmt: skip
IGNORED = ["FileAvailable--etc-kubernetes-pki-ca.crt", "NumCPU"]


def render(tmp: Path, advanced: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Per host (m1 and m2 masters, w1 a worker): the rendered kubeadm-config.yaml, join documents and
    the certificates phase's script."""
    node = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
    inventory = {"all": {"children": {"k8s_cluster": {"children": {
        "masters": {"hosts": {"m1": {**node, "ansible_host": "10.0.0.11"},
                              "m2": {**node, "ansible_host": "10.0.0.12"}}},
        "workers": {"hosts": {"w1": {**node, "ansible_host": "10.0.0.21"}}},
    }}}}}  # fmt: skip
    out = tmp / "out"
    out.mkdir()
    copy = {"mode": "0644"}
    play = [{
        "hosts": "k8s_cluster", "gather_facts": True, "gather_subset": ["!all", "min"],
        # The roles' defaults and vars are visible to the play before any of their tasks.
        "roles": [{"role": r, "when": "false"} for r in ("certificates", "kubernetes_master", "kubernetes_worker")],
        "tasks": [
            {"ansible.builtin.template": {"src": str(ROLES / "kubernetes_master/templates/kubeadm-config.yaml.j2"),
                                          "dest": f"{out}/{{{{ inventory_hostname }}}}-init.yaml", **copy}},
            {"ansible.builtin.copy": {"content": "{{ kubernetes_master_join_document | to_nice_json }}",
                                      "dest": f"{out}/{{{{ inventory_hostname }}}}-master-join.yaml", **copy}},
            {"ansible.builtin.copy": {"content": "{{ kubernetes_worker_join_document | to_nice_json }}",
                                      "dest": f"{out}/{{{{ inventory_hostname }}}}-worker-join.yaml", **copy}},
            {"ansible.builtin.template": {"src": str(ROLES / "certificates/templates/generate.sh.j2"),
                                          "dest": f"{out}/{{{{ inventory_hostname }}}}-certificates.sh", **copy}},
        ],
    }]  # fmt: skip
    (tmp / "inventory.yml").write_text(yaml.safe_dump(inventory))
    (tmp / "render.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    (tmp / "group_vars").symlink_to(PLAYBOOKS / "group_vars")  # as next to the product's playbooks
    extra = {
        "ko_cluster": {"name": "c1", "advanced": advanced},
        "ko_package": {"version": "1.36.0", "arch": "amd64", "components": {"containerd": "2.1.4"},
                       "url": "http://127.0.0.1:9/repository/packages/1.36.0-amd64"},
        "kubernetes_master_join_command": JOIN_COMMAND,
        "kubernetes_worker_join_command": JOIN_COMMAND,
        "certificates_workdir": str(tmp / "pki"),
        "certificates_key_bits": 1024,  # fast
    }  # fmt: skip
    (tmp / "extra.json").write_text(json.dumps(extra))
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(tmp / "inventory.yml"), str(tmp / "render.yml"),
         "-e", f"@{tmp / 'extra.json'}"],
        capture_output=True, text=True, timeout=180, cwd=tmp,
        env={**os.environ, "ANSIBLE_ROLES_PATH": str(ROLES), "ANSIBLE_NOCOLOR": "1",
             "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
             "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    files: dict[str, dict[str, str]] = {}
    for path in out.iterdir():
        host, _, kind = path.stem.partition("-")
        files.setdefault(host, {})[kind] = path.read_text()
    return files


def parse_with_fake(tmp: Path, text: str) -> dict[str, dict[str, Any]]:
    """The documents as the kubeadm fake's strict v1beta4 decoding reads them (raises on a refusal)."""
    config = tmp / f"doc-{abs(hash(text))}.yaml"
    config.write_text(text)
    code = (f"exec(open({str(FAKE)!r}).read().split('def main()')[0]); import json; "
            f"print(json.dumps(parse_documents({str(config)!r})))")  # fmt: skip
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    docs: dict[str, dict[str, Any]] = json.loads(r.stdout)
    return docs


@pytest.fixture(scope="module")
def old_cluster(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return render(tmp_path_factory.mktemp("old"), OLD_ADVANCED)


@pytest.fixture(scope="module")
def new_settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    advanced = {**OLD_ADVANCED, "kubelet_config": {"cgroupDriver": "cgroupfs", "maxPods": 80},
                "kubeadm_ignore_preflight_errors": IGNORED}  # fmt: skip
    return render(tmp_path_factory.mktemp("new"), advanced)


def test_a_cluster_planned_before_the_new_settings_still_renders(
    old_cluster: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    docs = parse_with_fake(tmp_path, old_cluster["m1"]["init"])
    assert set(docs) == {"InitConfiguration", "ClusterConfiguration", "KubeletConfiguration", "KubeProxyConfiguration"}
    assert docs["InitConfiguration"]["nodeRegistration"]["ignorePreflightErrors"] == []
    assert docs["KubeletConfiguration"]["cgroupDriver"] == "systemd"
    worker = parse_with_fake(tmp_path, old_cluster["w1"]["worker-join"])["JoinConfiguration"]
    assert worker["nodeRegistration"]["ignorePreflightErrors"] == []


def test_init_and_joins_carry_the_spec_settings(new_settings: dict[str, dict[str, str]], tmp_path: Path) -> None:
    init = parse_with_fake(tmp_path, new_settings["m1"]["init"])
    assert init["InitConfiguration"]["nodeRegistration"]["ignorePreflightErrors"] == IGNORED
    assert init["KubeletConfiguration"]["cgroupDriver"] == "cgroupfs"
    assert init["KubeletConfiguration"]["maxPods"] == 80

    master = parse_with_fake(tmp_path, new_settings["m2"]["master-join"])["JoinConfiguration"]
    assert master["controlPlane"] == {"localAPIEndpoint": {"advertiseAddress": "10.0.0.12", "bindPort": 6443}}
    assert master["nodeRegistration"]["ignorePreflightErrors"] == IGNORED
    assert master["nodeRegistration"]["kubeletExtraArgs"] == [{"name": "node-ip", "value": "10.0.0.12"}]

    worker = parse_with_fake(tmp_path, new_settings["w1"]["worker-join"])["JoinConfiguration"]
    assert "controlPlane" not in worker  # a worker join: its CA comes from cluster-info
    assert worker["caCertPath"] == "/etc/kubernetes/pki/ca.crt"
    assert worker["discovery"] == {"bootstrapToken": {"apiServerEndpoint": "127.0.0.1:8443", "token": TOKEN,
                                                      "caCertHashes": [CA_HASH]}}  # fmt: skip
    registration = worker["nodeRegistration"]
    assert registration["ignorePreflightErrors"] == IGNORED
    assert registration["kubeletExtraArgs"] == [{"name": "node-ip", "value": "10.0.0.21"}]
    assert registration["criSocket"] == "unix:///run/containerd/containerd.sock"
    assert registration["name"] == registration["name"].lower() and registration["name"]


def test_the_certificates_phase_bundles_files_for_the_masters_only(
    old_cluster: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    """A worker gets no certificate: kubeadm join refuses a /etc/kubernetes/pki/ca.crt already there."""
    script = tmp_path / "generate.sh"
    script.write_text(old_cluster["m1"]["certificates"])
    workdir = Path(re.search(r"^mkdir -p (\S+)$", script.read_text(), re.M).group(1))  # type: ignore[union-attr]
    r = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    bundles = json.loads((workdir / "bundles.json").read_text())
    assert set(bundles) == {"m1", "m2"}
    for host, bundle in bundles.items():
        listing = subprocess.run(["tar", "-tzf", "-"], input=base64.b64decode(bundle), capture_output=True, check=True)
        names = set(listing.stdout.decode().split())
        assert {"./etc/kubernetes/pki/ca.crt", "./etc/kubernetes/pki/ca.key", "./etc/etcd/pki/server.crt"} <= names, (
            host
        )
