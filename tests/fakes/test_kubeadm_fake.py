"""The kubeadm and kubelet fakes refuse what the real ones refuse (no lab, no API server).

Each case runs the fake with KO_FAKE_ROOT on a scratch directory (every path it reads or writes is
under it, and it runs no systemctl), on a configuration the product could get wrong.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

FAKES = Path(__file__).resolve().parent
VERSION = "1.36.0"


def _install(tmp: Path, name: str) -> Path:
    target = tmp / name
    target.write_text((FAKES / f"{name}-fake").read_text().replace("@KUBERNETES_VERSION@", VERSION))
    target.chmod(0o755)
    return target


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    pki = root / "etc/kubernetes/pki"
    pki.mkdir(parents=True)
    for ca in ("ca", "front-proxy-ca"):
        _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(pki / f"{ca}.key"), "-out",
                 str(pki / f"{ca}.crt"), "-subj", f"/CN={ca}", "-days", "2")  # fmt: skip
    (root / "etc/etcd/pki").mkdir(parents=True)
    for f in ("ca.crt", "client.crt", "client.key"):
        (root / "etc/etcd/pki" / f).write_text("x")
    enc = root / "etc/kubernetes/kubeoperator"
    enc.mkdir()
    (enc / "encryption-config.yaml").write_text(json.dumps({
        "apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
        "resources": [{"resources": ["secrets"], "providers": [
            {"aescbc": {"keys": [{"name": "key1", "secret": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}]}},
            {"identity": {}}]}],
    }))  # fmt: skip
    return root


def good() -> list[dict[str, Any]]:
    return [
        {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "InitConfiguration",
         "localAPIEndpoint": {"advertiseAddress": "10.0.0.11", "bindPort": 6443},
         "nodeRegistration": {"name": "m1", "kubeletExtraArgs": [{"name": "node-ip", "value": "10.0.0.11"}]}},
        {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "ClusterConfiguration", "kubernetesVersion": f"v{VERSION}",
         "controlPlaneEndpoint": "10.0.0.100:8443",
         "etcd": {"external": {"endpoints": ["https://10.0.0.11:2379"], "caFile": "/etc/etcd/pki/ca.crt",
                               "certFile": "/etc/etcd/pki/client.crt", "keyFile": "/etc/etcd/pki/client.key"}},
         "networking": {"podSubnet": "10.244.0.0/16", "serviceSubnet": "10.96.0.0/12", "dnsDomain": "cluster.local"},
         "apiServer": {"certSANs": ["10.0.0.100", "10.0.0.11"],
                       "extraArgs": [{"name": "encryption-provider-config",
                                      "value": "/etc/kubernetes/kubeoperator/encryption-config.yaml"}],
                       "extraVolumes": [{"name": "ko", "hostPath": "/etc/kubernetes/kubeoperator",
                                         "mountPath": "/etc/kubernetes/kubeoperator", "readOnly": True}]}},
        {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "maxPods": 50},
        {"apiVersion": "kubeproxy.config.k8s.io/v1alpha1", "kind": "KubeProxyConfiguration", "mode": "iptables"},
    ]  # fmt: skip


def run(tool: Path, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KO_FAKE_ROOT": str(root), "KO_FAKE_RECORD_DIR": str(root / "records")}
    return subprocess.run([sys.executable, str(tool), *args], capture_output=True, text=True, env=env, timeout=60)


def init_with(root: Path, docs: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    config = root / "kubeadm-config.yaml"
    config.write_text("# rendered by a test\n" + "\n---\n".join(json.dumps(d, indent=2) for d in docs))
    return run(_install(root, "kubeadm"), root, "init", "--config", str(config))


def changed(mutate: Any) -> list[dict[str, Any]]:
    docs = copy.deepcopy(good())
    mutate({d["kind"]: d for d in docs})
    return docs


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["ClusterConfiguration"].update(bogus=1), 'unknown field "bogus"'),
        (lambda d: d["ClusterConfiguration"]["apiServer"].update(certSAN=[]), 'unknown field "apiServer.certSAN"'),
        (lambda d: d["KubeletConfiguration"].update(maxPod=3), 'unknown field "maxPod"'),
        (lambda d: d["ClusterConfiguration"].update(apiVersion="kubeadm.k8s.io/v1beta3"), "old API spec"),
        (lambda d: d["ClusterConfiguration"].update(kubernetesVersion="v1.35.0"), "v1.36.0"),
        (lambda d: d["ClusterConfiguration"]["apiServer"].update(extraArgs={"v": "2"}), "list of {name, value}"),
        (lambda d: d["ClusterConfiguration"]["apiServer"]["extraArgs"].append({"name": "v", "value": 2}),
         "of type string"),
        (lambda d: d["ClusterConfiguration"]["apiServer"].update(certSANs=["10.0.0.11"]), '"10.0.0.100" is not among'),
        (lambda d: d["ClusterConfiguration"]["etcd"]["external"].update(certFile="/no.crt"), "external.certFile"),
        (lambda d: d["ClusterConfiguration"]["networking"].pop("podSubnet"), "networking.podSubnet"),
        (lambda d: d["ClusterConfiguration"]["networking"].update(podSubnet="10.96.0.0/16"), "overlap"),
        (lambda d: d["ClusterConfiguration"]["apiServer"].update(extraVolumes=[]), "not under any apiServer.extraVol"),
    ],
)  # fmt: skip
def test_init_refuses_a_bad_configuration(root: Path, mutate: Any, message: str) -> None:
    r = init_with(root, changed(mutate))
    assert r.returncode == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    last = json.loads((root / "records/kubeadm.calls.jsonl").read_text().splitlines()[-1])
    assert last["rc"] == 1 and message in last["error"]


def test_join_and_token_refusals(root: Path) -> None:
    kubeadm = _install(root, "kubeadm")
    r = run(kubeadm, root, "join", "10.0.0.100:8443", "--token", "bad", "--discovery-token-ca-cert-hash", "sha256:00")
    assert r.returncode == 1 and "[a-z0-9]{6}.[a-z0-9]{16}" in r.stderr
    r = run(kubeadm, root, "join", "10.0.0.100:8443", "--token", "abcdef.0123456789abcdef")
    assert r.returncode == 1 and "without caCertHashes" in r.stderr
    r = run(kubeadm, root, "join", "--config", "x.yaml", "--token", "abcdef.0123456789abcdef")
    assert r.returncode == 1 and "can not mix '--config'" in r.stderr
    recorded = (root / "records/kubeadm.calls.jsonl").read_text()
    assert "0123456789abcdef" not in recorded  # tokens are withheld from the records
    r = run(kubeadm, root, "config", "images", "list")
    assert r.returncode == 0 and f"registry.k8s.io/kube-apiserver:v{VERSION}" in r.stdout
    assert run(kubeadm, root, "version", "-o", "short").stdout.strip() == f"v{VERSION}"


def test_the_ca_hash_is_the_public_key_pin(root: Path) -> None:
    ca = root / "etc/kubernetes/pki/ca.crt"
    pub = subprocess.run(["openssl", "x509", "-in", str(ca), "-pubkey", "-noout"], capture_output=True, check=True)
    der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"], input=pub.stdout, capture_output=True)
    source = _install(root, "kubeadm")
    code = f"exec(open({str(source)!r}).read().split('def main()')[0]); print(ca_hash(open({str(ca)!r}, 'rb').read()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "sha256:" + hashlib.sha256(der.stdout).hexdigest(), out.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (None, "failed to load kubelet config file"),
        ({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration", "maxPod": 1},
         'unknown field "maxPod"'),
        ({"apiVersion": "kubelet.config.k8s.io/v1", "kind": "KubeletConfiguration"}, "no kind"),
    ],
)  # fmt: skip
def test_kubelet_refuses_a_bad_config(tmp_path: Path, config: dict[str, Any] | None, message: str) -> None:
    kubelet = _install(tmp_path, "kubelet")
    if config is not None:
        (tmp_path / "var/lib/kubelet").mkdir(parents=True)
        (tmp_path / "var/lib/kubelet/config.yaml").write_text(json.dumps(config))
    r = run(kubelet, tmp_path, "--config=/var/lib/kubelet/config.yaml", "--kubeconfig=/etc/kubernetes/kubelet.conf")
    assert r.returncode == 1 and message in r.stderr, r.stderr
    r = run(kubelet, tmp_path, "--config=/var/lib/kubelet/config.yaml", "--no-such-flag=1")
    assert r.returncode == 1 and "unknown flag: --no-such-flag" in r.stderr


HASH = "sha256:" + "0" * 64
WORKER_JOIN = ("join", "127.0.0.1:1", "--token", "abcdef.0123456789abcdef", "--discovery-token-ca-cert-hash", HASH)


def _join(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A join that stops at discovery (nothing answers at 127.0.0.1:1): past the preflight checks."""
    env = {**os.environ, "KO_FAKE_ROOT": str(root), "KO_FAKE_RECORD_DIR": str(root / "records"),
           "KO_FAKE_DISCOVERY_TIMEOUT": "0"}  # fmt: skip
    return subprocess.run([sys.executable, str(_install(root, "kubeadm")), *args], capture_output=True, text=True,
                          env=env, timeout=60)  # fmt: skip


def test_a_worker_join_refuses_a_ca_certificate_already_there(tmp_path: Path) -> None:
    """Like the real kubeadm: a worker's CA comes from the cluster-info it verifies, so one copied there
    before the join is a fatal preflight error (reported with the other ones), unless ignored by name."""
    pki = tmp_path / "etc/kubernetes/pki"
    pki.mkdir(parents=True)
    (pki / "ca.crt").write_text("copied before the join")
    (tmp_path / "etc/kubernetes/bootstrap-kubelet.conf").write_text("{}")
    r = _join(tmp_path, *WORKER_JOIN)
    assert r.returncode == 1, r.stderr
    assert "[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]: /etc/kubernetes/pki/ca.crt already exists" in r.stderr
    assert "[ERROR FileAvailable--etc-kubernetes-bootstrap-kubelet.conf]" in r.stderr
    assert "cluster-info" not in r.stderr  # refused before discovery

    ignored = "FileAvailable--etc-kubernetes-pki-ca.crt,fileavailable--etc-kubernetes-bootstrap-kubelet.conf"
    r = _join(tmp_path, *WORKER_JOIN, "--ignore-preflight-errors", ignored)
    assert r.returncode == 1 and "[ERROR" not in r.stderr and "cluster-info" in r.stderr, r.stderr

    # A control-plane join needs the shared CA there: not a preflight error.
    (tmp_path / "etc/kubernetes/bootstrap-kubelet.conf").unlink()
    r = _join(tmp_path, *WORKER_JOIN, "--control-plane")
    assert r.returncode == 1 and "[ERROR" not in r.stderr and "cluster-info" in r.stderr, r.stderr


def test_a_join_configuration_ignores_preflight_errors_and_its_token_is_withheld(tmp_path: Path) -> None:
    (tmp_path / "etc/kubernetes/pki").mkdir(parents=True)
    (tmp_path / "etc/kubernetes/pki/ca.crt").write_text("left over")
    join = {"apiVersion": "kubeadm.k8s.io/v1beta4", "kind": "JoinConfiguration",
            "caCertPath": "/etc/kubernetes/pki/ca.crt",
            "discovery": {"bootstrapToken": {"apiServerEndpoint": "127.0.0.1:1", "token": "abcdef.0123456789abcdef",
                                             "caCertHashes": [HASH]}},
            "nodeRegistration": {"name": "w1", "ignorePreflightErrors": []}}  # fmt: skip
    config = tmp_path / "join.yaml"
    config.write_text(json.dumps(join))
    r = _join(tmp_path, "join", "--config", str(config))
    assert r.returncode == 1 and "[ERROR FileAvailable--etc-kubernetes-pki-ca.crt]" in r.stderr, r.stderr

    join["nodeRegistration"]["ignorePreflightErrors"] = ["FileAvailable--etc-kubernetes-pki-ca.crt"]  # type: ignore[index]
    config.write_text(json.dumps(join))
    r = _join(tmp_path, "join", "--config", str(config))
    assert r.returncode == 1 and "[ERROR" not in r.stderr and "cluster-info" in r.stderr, r.stderr
    assert "0123456789abcdef" not in (tmp_path / "records/kubeadm.calls.jsonl").read_text()
