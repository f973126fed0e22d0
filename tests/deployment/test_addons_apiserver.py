"""The add-on roles for real against a real kube-apiserver (the session's ``kube_control_plane``:
etcd, kube-apiserver and kube-controller-manager v1.36 on loopback, tests/support/kube_control_plane.py),
or, when the Kubernetes binaries have not been built on this machine, against the fake one
(tests/fakes/kube-apiserver-fake on a real etcd), which the run's last line then says. Ansible runs
the network, CoreDNS, metrics-server and ingress roles on localhost with the real helm and kubectl,
installing the stand-in charts from a Helm repository served over HTTP like the
deployment service serves an imported package (manifest.yaml, charts/index.yaml, bin/helm checked
against its sha256). The objects reach the API with the names and images the lab assertions expect
(tests/deployment/kube_objects.py), and a spec with Calico and another cluster domain then installs
the tigera-operator and its Installation and upgrades CoreDNS. No lab.

That a second run of these roles with the same spec changes nothing is asserted on the lab, where
the console's 1+1 (tests/e2e/test_console_lab_e2e.py) runs every deploy phase, these add-on phases
with this spec (the API's defaults) among them, a second time against the same API server.

On the real API server nothing runs the Pods (no kubelet, no scheduler): the assertions are about
the objects and the releases, which hold on both."""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
import yaml

from ko_deployment.packages import indexes
from ko_deployment.packages.build import sha256_of, write_manifest
from tests.deployment.addon_support import IMPORTED, PLAYBOOKS
from tests.deployment.kube_objects import assert_addons
from tests.fakes import test_kube_apiserver_fake as fake_api
from tests.support import addons
from tests.support import kube_control_plane as kcp
from tests.support.helm import helm_binary, kubectl_binary

pytestmark = pytest.mark.timeout(900)  # two ansible runs through helm on a busy 2-core machine
# The fallback: the fake API server on a real etcd, two apiservers on loopback (A1's fixture).
fake_cluster = fake_api.cluster
BIN = Path(sys.executable).parent
SPEC: dict[str, Any] = {"network": {"plugin": "flannel", "pod_cidr": "10.244.0.0/16", "service_cidr": "10.96.0.0/12",
                    "proxy_mode": "iptables", "dns_domain": "cluster.local"},
        "load_balancer": {"mode": "internal", "port": 8443}, "ingress": {"enabled": True, "controller": "traefik"},
        "addons": {"metrics_server": True, "helm": True}}  # fmt: skip
ROLES = ["network", "coredns", "metrics_server", "ingress"]


class Cluster(Protocol):
    """What these tests use of an API server: the fake's Cluster, or RealCluster."""

    dir: Path

    @property
    def kubeconfigs(self) -> list[Path]: ...
    def json(self, *args: str) -> dict[str, Any]: ...
    def helm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]: ...
    def logs(self) -> str: ...


class RealCluster:
    """The session's real control plane, with a directory of this module's own (ansible state, helm home)."""

    def __init__(self, plane: kcp.KubeControlPlane, directory: Path) -> None:
        self.plane, self.dir = plane, directory

    @property
    def kubeconfigs(self) -> list[Path]:
        return self.plane.kubeconfigs

    def json(self, *args: str) -> dict[str, Any]:
        return self.plane.json(*args)

    def helm(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.plane.helm(*args, check=check, home=self.dir / "helm")

    def logs(self) -> str:
        return self.plane.logs()


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The real API server when its binaries are here, else the fake (named in the run's last line)."""
    try:
        kcp.find_binaries()
    except kcp.Unavailable:
        kcp.FELL_BACK.append(request.node.nodeid)
        yield request.getfixturevalue("fake_cluster")
        return
    real = RealCluster(request.getfixturevalue("kube_control_plane"), tmp_path_factory.mktemp("addons-real"))
    yield real
    # The control plane outlives this module: leave no release (and so no workload) in it.
    for release in json.loads(real.helm("list", "--all-namespaces", "--output", "json").stdout):
        real.helm("uninstall", release["name"], "--namespace", release["namespace"], check=False)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A package as the deployment service serves it: <url>/manifest.yaml, bin/helm, charts/ with index.yaml."""
    root = tmp_path_factory.mktemp("repository")
    package = root / "packages" / "1.36.0-amd64"
    (package / "bin").mkdir(parents=True)
    shutil.copy2(helm_binary(), package / "bin" / "helm")
    overrides = addons.write_addons(package)
    components = {**addons.ADDON_COMPONENTS, "helm": "4"}
    spec = {"kubernetesVersion": "1.36.0", "arch": "amd64", "components": components, "artifacts": overrides}
    write_manifest(package, spec)
    charts = package / "charts"
    indexes.write_chart_index(charts, {p.name: sha256_of(p) for p in charts.glob("*.tgz")})
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/packages/1.36.0-amd64"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def run_roles(cluster: Cluster, url: str, spec: dict[str, Any], tmp: Path, roles: list[str]) -> dict[str, int]:
    """Run the roles on localhost (the first master) as the phase playbooks do; return the play recap."""
    tmp.mkdir(parents=True, exist_ok=True)
    play = [{"name": "Add-ons", "hosts": "masters", "gather_facts": False, "connection": "local",
             "roles": [{"role": r} for r in roles]}]  # fmt: skip
    (tmp / "play.yml").write_text(yaml.safe_dump(play))
    shutil.copytree(PLAYBOOKS / "group_vars", tmp / "group_vars", dirs_exist_ok=True)
    (tmp / "inventory.yml").write_text(yaml.safe_dump({"all": {"children": {"masters": {"hosts": {"m1": None}}}}}))
    state = cluster.dir / "state"
    extra = {
        "ko_cluster": {"id": "c1", "name": "fake", "version": "1.36.0", "arch": "amd64", **spec},
        "ko_package": {"version": "1.36.0", "arch": "amd64", "components": addons.ADDON_COMPONENTS, "url": url},
        "ko_state_dir": str(state),
        "helm_bin": str(state / "bin" / "helm"),
        "helm_kubectl_bin": str(kubectl_binary()),
        "helm_kubeconfig": str(cluster.kubeconfigs[0]),
        "ansible_python_interpreter": sys.executable,
    }
    (state / "bin").mkdir(parents=True, exist_ok=True)
    (tmp / "extra.json").write_text(json.dumps(extra))
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(tmp / "inventory.yml"), str(tmp / "play.yml"),
         "-e", f"@{tmp / 'extra.json'}"],
        capture_output=True, text=True, timeout=480,
        env={**os.environ, "ANSIBLE_ROLES_PATH": str(PLAYBOOKS / "roles"), "ANSIBLE_NOCOLOR": "1",
             "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:] + cluster.logs()
    print(f"{tmp.name}: {', '.join(roles)} in {time.monotonic() - started:.0f}s")
    recap = re.search(r"m1\s+:\s+(.*)", result.stdout)
    assert recap, result.stdout[-2000:]
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", recap.group(1))}


def _eventually_owned(cluster: Cluster, resource: str, namespace: str, owner: tuple[str, str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        items = cluster.json("get", resource, "--namespace", namespace)["items"]
        if any((o["kind"], o["name"]) == owner for i in items for o in i["metadata"].get("ownerReferences", [])):
            return
        time.sleep(0.5)
    raise AssertionError(f"no {resource} in {namespace} owned by {owner} within 60 s{cluster.logs()}")


def getter(cluster: Cluster) -> Any:
    def get(args: str) -> Any:
        return cluster.json("get", *args.split())

    return get


def test_roles_install_the_add_ons_into_the_api_then_follow_a_new_spec(
    cluster: Cluster, repository: str, tmp_path: Path
) -> None:
    recap = run_roles(cluster, repository, SPEC, tmp_path / "first", ROLES)
    assert recap["failed"] == 0 and recap["changed"] >= 4, recap  # a namespace or release per add-on

    assert_addons(getter(cluster), SPEC, imported=IMPORTED)
    if isinstance(cluster, RealCluster):  # a real controller manager acts on what the charts made
        _eventually_owned(cluster, "replicasets", "kube-system", ("Deployment", "coredns"))
    namespace = cluster.json("get", "namespace", "kube-flannel")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    releases = json.loads(cluster.helm("list", "--all-namespaces", "--output", "json").stdout)
    assert {(r["name"], r["namespace"], r["chart"], r["status"]) for r in releases} == {
        ("flannel", "kube-flannel", "flannel-v0.26.7", "deployed"),
        ("coredns", "kube-system", "coredns-1.39.2", "deployed"),
        ("metrics-server", "kube-system", "metrics-server-3.12.2", "deployed"),
        ("traefik", "traefik", "traefik-34.5.0", "deployed"),
    }

    # Calico instead of flannel, and another cluster domain: the tigera-operator and its Installation
    # are installed, and the CoreDNS release is upgraded with the new Corefile.
    cluster.helm("uninstall", "flannel", "--namespace", "kube-flannel")
    calico = {**SPEC, "network": {**SPEC["network"], "plugin": "calico", "dns_domain": "corp.example"}}
    changed = run_roles(cluster, repository, calico, tmp_path / "calico", ["network", "coredns"])
    assert changed["changed"] == 3, changed  # the tigera-operator namespace and release, the CoreDNS upgrade
    assert_addons(getter(cluster), calico, imported=IMPORTED)
    installation = cluster.json("get", "installations.operator.tigera.io", "default")
    assert installation["spec"]["cni"] == {"type": "Calico"}
    corefile = cluster.json("get", "configmap", "coredns", "--namespace", "kube-system")["data"]["Corefile"]
    assert "kubernetes corp.example in-addr.arpa ip6.arpa" in corefile
