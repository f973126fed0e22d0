"""A real Kubernetes cluster, 1 master + 2 workers, deployed by the product on lab hosts (issue 13 item 5).

The product runs exactly as ``make run`` starts it (tests/e2e/test_console_e2e.py ``Product``); all
is done through its public API: three lab hosts registered, the real offline package imported
(tests/support/real_package.py: Kubernetes built from source, etcd 3.6, Debian's .debs), a cluster
planned with the settings of docs/container-hosts.md (the lab's hosts are containers without cgroup
controllers), network plugin none, CoreDNS, metrics-server and ingress off (no such images exist
here) → Running. Then, in order:

- the site's CNI (this test, for plugin none): a bridge + host-local configuration on each node with
  the node's own ``spec.podCIDR``, and routes between the hosts → every node Ready;
- the control-plane pods and kube-proxy Running, ``/readyz`` ok, through the kubeconfig downloaded
  from ``GET /api/v1/clusters/{id}/kubeconfig`` and the package's own kubectl;
- a pod of the package's busybox test image on each worker: ``kubectl logs`` and ``exec`` work, and a
  Service reaches each from the pod on the other worker and from the master (kube-proxy's rules);
- a Secret is stored encrypted in etcd 3.6;
- a second run of every deploy phase changes nothing (tests/deployment/cluster_checks.py run_again);
- the cluster deleted through the API: its reset leaves the hosts clean.

The first deploy's wall time and the no-change run's are printed (``-s`` shows them). Without the
real binaries (KO_K8S_CACHE) every test here skips with one line saying what is missing and how to
build it. Marked ``realk8s`` and ``lab``; run it in a lab of its own:

    KO_LAB_NAME=kolab9 KO_LAB_SUBNET=10.219.0.0/24 KO_LAB_HOSTS=3 \\
        .venv/bin/pytest -s tests/deployment/test_real_cluster_lab.py

``KO_REAL_KEEP_SECONDS=900`` keeps the cluster (and the product) that long before it is deleted, for
a look at what a failure left (the kubeconfig's path is printed; the hosts answer ssh as in the lab).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.deployment.cluster_checks import assert_reset_clean, run_again
from tests.deployment.engine_support import phase_seconds
from tests.e2e.test_console_e2e import ADMIN_PASSWORD, Product, _free_port
from tests.lab.lab import Host, Lab
from tests.lab.sshutil import ssh_root
from tests.support.real_package import (
    SKIP_PREFIX,
    TEST_IMAGE,
    RealPackageUnavailable,
    build_real_package,
    k8s_bin_dir,
)

DEPLOY_TIMEOUT = 2400  # a first deploy: ~4-10 min on 2 shared cores, much more at load 20
NAMESPACE = "ko-real"
POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"
# docs/container-hosts.md: what hosts without cgroup controllers (the lab's containers) need.
CONTAINER_HOSTS = {
    "kubelet_config": {"cgroupDriver": "cgroupfs", "cgroupsPerQOS": False, "enforceNodeAllocatable": ["none"]},
    "kube_proxy_config": {"conntrack": {"maxPerCore": 0}},
    "containerd_config": {
        "plugins": {
            "io.containerd.grpc.v1.cri": {
                "restrict_oom_score_adj": True,
                "disable_cgroup": True,
                "containerd": {"runtimes": {"runc": {"options": {"SystemdCgroup": False}}}},
            }
        }
    },
    "kubeadm_ignore_preflight_errors": ["SystemVerification"],
}
pytestmark = [pytest.mark.realk8s, pytest.mark.lab, pytest.mark.timeout(DEPLOY_TIMEOUT + 1800)]


def _real_package() -> Path:
    try:
        return build_real_package()
    except RealPackageUnavailable as exc:
        pytest.skip(f"{SKIP_PREFIX}: {exc}")


@dataclass
class RealCluster:
    product: Product
    lab: Lab
    api: httpx.Client
    kubectl_bin: Path
    hosts: list[Host]  # master, worker, worker
    host_ids: list[str]
    tmp: Path
    image: str  # the package's busybox test image
    cluster: dict[str, Any] = field(default_factory=dict)
    op: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def kubeconfig(self) -> Path:
        return self.tmp / "kubeconfig"

    def kubectl(self, *args: str, check: bool = True, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        argv = [str(self.kubectl_bin), "--kubeconfig", str(self.kubeconfig), "--request-timeout", "30s", *args]
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check:
            assert out.returncode == 0, f"kubectl {' '.join(args)}: {out.stderr}{self.diagnose()}"
        return out

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def wait(self, what: str, ok: Any, timeout: float = 300) -> Any:
        """Poll ``ok()`` until it returns something true; fail with ``what`` and the nodes' state."""
        deadline = time.monotonic() + timeout
        while True:
            got = ok()
            if got:
                return got
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not after {timeout:.0f} s{self.diagnose()}")
            time.sleep(3)

    def diagnose(self) -> str:
        """What the hosts say when something fails (kubelet's last lines, the containers)."""
        parts = []
        for host in self.hosts:
            r = ssh_root(
                host,
                "ctr -n k8s.io containers ls 2>&1 | tail -12; ip route; iptables-save 2>&1 | grep -c KUBE-SVC;"
                " journalctl -u kubelet --no-pager -n 12 2>&1 | cut -c1-300",
                timeout=60,
            )
            parts.append(f"\n--- {host.name} ({host.ip})\n{r.stdout[-5000:]}{r.stderr[-500:]}")
        return "".join(parts)


def _wait_operation(api: httpx.Client, op_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (op := api.get(f"/api/v1/operations/{op_id}").json())["status"] not in ("succeeded", "failed", "cancelled"):
        assert time.monotonic() < deadline, op
        time.sleep(2)
    body: dict[str, Any] = op
    return body


def _register_hosts(api: httpx.Client, project: str, hosts: list[Host]) -> list[str]:
    cred = api.post(
        "/api/v1/credentials",
        json={"project_id": project, "name": "lab-root", "username": "root", "auth_type": "private_key",
              "private_key": Path(hosts[0].key_path).read_text()},
    )  # fmt: skip
    assert cred.status_code == 201, cred.text
    ids = []
    for host in hosts:
        r = api.post(
            "/api/v1/hosts",
            json={"project_id": project, "name": host.name, "ip": host.ip, "credential_id": cred.json()["id"]},
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    deadline = time.monotonic() + 180
    for host_id in ids:
        while (h := api.get(f"/api/v1/hosts/{host_id}").json())["status"] != "ready":
            assert time.monotonic() < deadline, h
            time.sleep(1)
    return ids


# Tests of one cluster, in this order: each needs the ones before it.
@pytest.fixture(scope="module")
def real(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCluster]:
    """The product with the real package imported and a 1 master + 2 workers cluster deploying."""
    package = _real_package()
    if len(lab.hosts) < 3:
        pytest.skip("the real cluster needs 3 lab hosts (KO_LAB_HOSTS=3)")
    _, bin_dir = k8s_bin_dir()
    tmp = tmp_path_factory.mktemp("real-cluster")
    product = Product(tmp / "data", _free_port())
    api = httpx.Client(base_url=product.url, timeout=60, trust_env=False)
    real: RealCluster | None = None
    try:
        product.wait_ready()
        r = api.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        api.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        project = next(p["id"] for p in api.get("/api/v1/projects").json()["items"] if p["name"] == "default")
        hosts = lab.hosts[:3]
        host_ids = _register_hosts(api, project, hosts)

        started = time.monotonic()
        r = api.post("/api/v1/offline-packages", json={"source": str(package)})
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + 600
        while (p := api.get(f"/api/v1/offline-packages/{r.json()['id']}").json())["status"] == "importing":
            assert time.monotonic() < deadline, p
            time.sleep(1)
        assert p["status"] == "ready", p
        version = p["kubernetes_version"]
        image = f"{TEST_IMAGE}:{p['components']['test-busybox']}"
        real = RealCluster(product, lab, api, bin_dir / "kubectl", hosts, host_ids, tmp, image)
        real.figures["import_seconds"] = time.monotonic() - started
        body = {
            "project_id": project, "name": "real-1m2w", "version": version, "topology": "single",
            "nodes": [{"host_id": h, "role": "master" if i == 0 else "worker"} for i, h in enumerate(host_ids)],
            "network": {"plugin": "none", "pod_cidr": POD_CIDR, "service_cidr": SERVICE_CIDR},
            "addons": {"coredns": False, "metrics_server": False},
            "ingress": {"enabled": False},
            "advanced": CONTAINER_HOSTS,
        }  # fmt: skip
        started = time.monotonic()
        r = api.post("/api/v1/clusters", json=body)
        assert r.status_code == 201, r.text
        real.cluster = r.json()
        real.op = _wait_operation(api, real.cluster["operation"]["id"], DEPLOY_TIMEOUT)
        real.figures["first_deploy_seconds"] = time.monotonic() - started
        print(f"\nreal 1+2 first deploy: {real.figures['first_deploy_seconds']:.0f}s "
              f"(import {real.figures['import_seconds']:.0f}s); per phase: {phase_seconds(real.op)}")  # fmt: skip
        yield real
        print(f"\nreal 1+2 figures: {real.figures}")
    finally:
        if real is not None and not real.deleted and os.environ.get("KO_REAL_KEEP_SECONDS"):
            # A developer's look at a cluster left by a failure (ssh to the hosts) before it is deleted.
            print(f"\nkeeping the cluster for {os.environ['KO_REAL_KEEP_SECONDS']} s: {real.kubeconfig}")
            time.sleep(float(os.environ["KO_REAL_KEEP_SECONDS"]))
        with contextlib.suppress(Exception):
            if real is not None and real.cluster and not real.deleted:
                r = api.delete(f"/api/v1/clusters/{real.cluster['id']}")
                if r.status_code == 202:
                    _wait_operation(api, r.json()["operation"]["id"], 900)
        api.close()
        product.stop()


def test_deploy_reaches_running_through_the_api(real: RealCluster) -> None:
    op = real.op
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()}{real.diagnose()}"
    assert [p["status"] for p in op["phases"]] == ["succeeded"] * len(op["phases"]), op["phases"]
    cluster = real.api.get(f"/api/v1/clusters/{real.cluster['id']}").json()
    assert cluster["status"] == "running", cluster
    real.cluster = cluster
    r = real.api.get(f"/api/v1/clusters/{cluster['id']}/kubeconfig")
    assert r.status_code == 200, r.text
    real.kubeconfig.write_text(r.text)
    assert yaml.safe_load(r.text)["clusters"][0]["cluster"]["server"] == f"https://{real.hosts[0].ip}:6443"


def _site_cni(real: RealCluster) -> dict[str, str]:
    """What a site's CNI does for plugin none: a bridge on each node with its own pod CIDR, routes between."""
    nodes = real.json("get", "nodes")["items"]
    by_name = {ssh_root(h, "hostname").stdout.strip().lower(): h for h in real.hosts}
    cidrs = {}
    for node in nodes:
        cidr = node["spec"].get("podCIDR")
        assert cidr, f"node {node['metadata']['name']} has no podCIDR: {node['spec']}"
        cidrs[by_name[node["metadata"]["name"]].ip] = cidr
    for host in real.hosts:
        conflist = {
            "cniVersion": "1.0.0",
            "name": "ko-site",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": "cni0",
                    "isGateway": True,
                    "ipMasq": False,
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": cidrs[host.ip]}]],
                        "routes": [{"dst": "0.0.0.0/0"}],
                    },
                }
            ],
        }
        routes = "; ".join(
            [f"ip route replace {c} via {ip}" for ip, c in cidrs.items() if ip != host.ip]
            # The lab's hosts have no default route (a site's nodes do): the Service range needs one for
            # the hosts' own connections to ClusterIPs, which kube-proxy then rewrites to a pod.
            + [f"ip route replace {SERVICE_CIDR} via {real.lab.gateway}"]
        )
        r = ssh_root(
            host,
            f"mkdir -p /etc/cni/net.d && echo '{json.dumps(conflist)}' > /etc/cni/net.d/10-ko-site.conflist; {routes}",
        )
        assert r.returncode == 0, r.stderr
    return cidrs


def test_nodes_ready_with_the_sites_cni_and_the_control_plane_running(real: RealCluster) -> None:
    cidrs = _site_cni(real)
    assert len(set(cidrs.values())) == 3, cidrs

    def ready() -> bool:
        nodes = real.json("get", "nodes")["items"]
        return len(nodes) == 3 and all(
            any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"]) for n in nodes
        )

    real.wait("3 nodes Ready", ready)
    nodes = {n["metadata"]["name"]: n for n in real.json("get", "nodes")["items"]}
    version = f"v{k8s_bin_dir()[0]}"
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes.values()} == {version}
    masters = [n for n, v in nodes.items() if "node-role.kubernetes.io/control-plane" in v["metadata"]["labels"]]
    assert len(masters) == 1, nodes.keys()

    def control_plane() -> list[dict[str, Any]] | None:
        pods: list[dict[str, Any]] = real.json("get", "pods", "-n", "kube-system")["items"]
        running = [p for p in pods if p["status"].get("phase") == "Running"
                   and all(c.get("ready") for c in p["status"].get("containerStatuses", []))]  # fmt: skip
        names = [p["metadata"]["name"] for p in running]
        wanted = [f"{c}-{masters[0]}" for c in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")]
        if all(w in names for w in wanted) and sum(n.startswith("kube-proxy-") for n in names) == 3:
            return pods
        return None

    real.wait("the control plane and 3 kube-proxy pods Running and ready", control_plane)
    assert real.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def _pod(name: str, node: str, image: str) -> dict[str, Any]:
    script = (
        "mkdir -p /tmp/www && echo hello from $(hostname) > /tmp/www/index.html && echo serving on 8080 && "
        "exec /bin/busybox httpd -f -v -p 8080 -h /tmp/www"
    )
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": name}},
        "spec": {
            "nodeSelector": {"kubernetes.io/hostname": node},
            "containers": [{
                "name": "web", "image": image, "imagePullPolicy": "Never",
                "command": ["/bin/sh", "-c", script], "ports": [{"containerPort": 8080}],
            }],
        },
    }  # fmt: skip


def _service(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
    }  # fmt: skip


def _fetch(real: RealCluster, pod: str, url: str) -> str:
    """``url`` fetched from inside ``pod`` (busybox's wget, bounded by busybox's timeout: its own -T crashes)."""
    argv = [
        "exec",
        "-n",
        NAMESPACE,
        pod,
        "--",
        "/bin/busybox",
        "timeout",
        "10",
        "/bin/busybox",
        "wget",
        "-q",
        "-O-",
        url,
    ]
    return real.kubectl(*argv, check=False).stdout.strip()


def test_a_pod_on_each_worker_logs_exec_and_a_service_across_nodes(real: RealCluster) -> None:
    workers = [ssh_root(h, "hostname").stdout.strip().lower() for h in real.hosts[1:]]
    names = [f"web-{i}" for i in range(len(workers))]
    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}]
    objects += [_pod(n, w, real.image) for n, w in zip(names, workers, strict=True)] + [_service(n) for n in names]
    manifest = real.tmp / "workload.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
    real.kubectl("apply", "-f", str(manifest))

    def running() -> list[dict[str, Any]] | None:
        pods = real.json("get", "pods", "-n", NAMESPACE)["items"]
        ok = [p for p in pods if p["status"].get("phase") == "Running" and p["status"].get("podIP")]
        return pods if len(ok) == len(names) else None

    pods = {p["metadata"]["name"]: p for p in real.wait("a web pod Running on each worker", running)}
    for name, worker in zip(names, workers, strict=True):
        assert pods[name]["spec"]["nodeName"] == worker
    ips = {p["status"]["podIP"] for p in pods.values()}
    assert len(ips) == 2, ips

    # kubectl logs and exec go through the API server to each worker's kubelet.
    for name in names:
        real.wait(f"{name}'s log", lambda n=name: "serving on 8080" in real.kubectl("logs", "-n", NAMESPACE, n).stdout)
        shown = real.kubectl("exec", "-n", NAMESPACE, name, "--", "/bin/busybox", "cat", "/tmp/www/index.html")
        assert shown.stdout.strip() == f"hello from {name}", shown.stdout

    # Each pod reaches the other worker's pod directly (the routes between the nodes) ...
    for client, target in ((names[0], names[1]), (names[1], names[0])):
        url = f"http://{pods[target]['status']['podIP']}:8080/"

        def direct(c: str = client, u: str = url) -> str:
            return _fetch(real, c, u)

        assert real.wait(f"{client} -> pod {target} at {url}", direct, timeout=60) == f"hello from {target}"
    # ... and through its Service (kube-proxy's rules, routes between nodes).
    services = {n: real.json("get", "service", "-n", NAMESPACE, n)["spec"]["clusterIP"] for n in names}
    for client, target in ((names[0], names[1]), (names[1], names[0])):
        url = f"http://{services[target]}/"

        def fetched(c: str = client, u: str = url) -> str:
            return _fetch(real, c, u)

        assert real.wait(f"{client} -> service {target}", fetched, timeout=120) == f"hello from {target}"
    # The master's host network reaches a worker's pod through the Service too.
    probe = (f"exec 3<>/dev/tcp/{services[names[1]]}/80 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && "
             "timeout 5 cat <&3")  # fmt: skip
    answer = real.wait("master -> service", lambda: ssh_root(real.hosts[0], probe).stdout, timeout=120)
    assert f"hello from {names[1]}" in answer, answer


def test_secrets_are_encrypted_in_etcd(real: RealCluster) -> None:
    real.kubectl("create", "secret", "generic", "probe", "-n", NAMESPACE, "--from-literal=k=plain-text-value")
    master = real.hosts[0]
    stored = ssh_root(
        master,
        "ETCDCTL_API=3 etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt "
        f"--key /etc/etcd/pki/client.key --endpoints https://{master.ip}:2379 get /registry/secrets/{NAMESPACE}/probe "
        "--print-value-only > /tmp/probe.raw; head -c 23 /tmp/probe.raw; echo; grep -c plain-text-value /tmp/probe.raw;"
        " rm -f /tmp/probe.raw; etcd --version | head -1",
    ).stdout  # only the prefix is printed: the rest is ciphertext, not text
    assert stored.startswith("k8s:enc:aescbc:v1:key1:\n0\n"), stored
    assert "etcd Version: 3.6" in stored, stored


def test_a_second_run_of_every_phase_changes_nothing(real: RealCluster) -> None:
    by_ip = {h.ip: h for h in real.hosts}
    hosts = {n["host_id"]: by_ip[n["ip"]] for n in real.cluster["nodes"]}
    repository = {"url": "", "port": int(real.product.url.rsplit(":", 1)[1]), "path": "/repository"}
    started = time.monotonic()
    again = real.tmp / "again"
    again.mkdir()
    changed = run_again(real.product.data_dir / "deployment.db", real.op["id"], hosts, again, repository)
    real.figures["second_run_seconds"] = time.monotonic() - started
    print(f"\nreal 1+2 second run of every phase: {real.figures['second_run_seconds']:.0f}s, changed: {changed}")
    assert changed == {}, changed
    # The cluster still works after it.
    assert real.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def test_delete_resets_the_hosts_clean(real: RealCluster) -> None:
    r = real.api.delete(f"/api/v1/clusters/{real.cluster['id']}")
    assert r.status_code == 202, r.text
    started = time.monotonic()
    op = _wait_operation(real.api, r.json()["operation"]["id"], 900)
    real.deleted = True
    real.figures["reset_seconds"] = time.monotonic() - started
    assert op["status"] == "succeeded", op.get("failure")
    assert_reset_clean(real.hosts)
    for host in real.hosts:  # the site's routes (this test's own) go with the site's CNI
        ssh_root(
            host,
            f"ip -o route show root {POD_CIDR} | grep via | cut -d' ' -f1 | xargs -r -n1 ip route del;"
            f" ip route del {SERVICE_CIDR} 2>/dev/null || true",
        )
