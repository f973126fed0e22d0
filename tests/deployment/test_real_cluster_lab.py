"""A real Kubernetes cluster deployed by the product on lab hosts, then scaled (issue 13 item 5, issue 14 B.1-2).

The product runs exactly as ``make run`` starts it (tests/e2e/test_console_e2e.py ``Product``); all
is done through its public API: three lab hosts registered, the real offline package imported
(tests/support/real_package.py: Kubernetes built from source, etcd 3.6, Debian's .debs), a cluster
planned as 1 master + 1 worker with the settings of docs/container-hosts.md (the lab's hosts are
containers without cgroup controllers), network plugin none, CoreDNS, metrics-server and ingress off
(no such images exist here) → Running. Then, in order:

- the site's CNI (this test, for plugin none): a bridge + host-local configuration on each node with
  the node's own ``spec.podCIDR``, and routes between the hosts → every node Ready;
- a second worker added through ``POST /api/v1/clusters/{id}/workers`` (the third host, with a label):
  it joins, gets the label, and is Ready once the site's CNI covers it;
- the control-plane pods and kube-proxy Running, ``/readyz`` ok, through the kubeconfig downloaded
  from ``GET /api/v1/clusters/{id}/kubeconfig`` and the package's own kubectl;
- a pod of the package's busybox test image on each worker: ``kubectl logs`` and ``exec`` work, and a
  Service reaches each from the pod on the other worker and from the master (kube-proxy's rules);
- a Secret is stored encrypted in etcd 3.6;
- a second run of every deploy phase changes nothing (tests/deployment/cluster_checks.py run_again);
- certificates read, then renewed, and the refreshed kubeconfig works;
- an upgrade to the next version of the cache (a second package stamped with a higher patch version:
  one Kubernetes source can be built here), cancelled once and retried, the deployment service killed
  with SIGKILL in the workers' phase (the launcher restarts it, the operation resumes): every node at
  the new version, the cluster's version and its nodes' in the API, an etcd snapshot taken first, and a
  Deployment guarded by a PodDisruptionBudget never below one available replica while workers drain;
- the first worker removed through ``DELETE /api/v1/clusters/{id}/workers/{node}``: cordoned, drained,
  deleted, its host reset clean and free in inventory, while the pod on the other worker keeps running;
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

import base64
import contextlib
import hashlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.backup.servers import (
    ADMIN_KEYS,
    SFTP_PASSWORD,
    SFTP_USER,
    SeaweedS3,
    Sshd,
    start_seaweedfs,
    start_sshd,
)
from tests.backup.support import ed25519_openssh, public_line
from tests.deployment.cluster_checks import assert_reset_clean, run_again
from tests.deployment.compliance_checks import check_compliance
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
    k8s_versions,
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
    hosts: list[Host]  # master, worker, the worker added later
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
    """The operation once it ended (answers other than 200, while a killed service restarts, are waited out)."""
    deadline = time.monotonic() + timeout
    while True:
        r = api.get(f"/api/v1/operations/{op_id}")
        op: dict[str, Any] = r.json() if r.status_code == 200 else {"status": f"unknown ({r.status_code})"}
        if op["status"] in ("succeeded", "failed", "cancelled"):
            return op
        assert time.monotonic() < deadline, op
        time.sleep(2)


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
    """The product with the real package imported and a 1 master + 1 worker cluster deploying."""
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
            "project_id": project, "name": "real-1m1w", "version": version, "topology": "single",
            "nodes": [{"host_id": h, "role": "master" if i == 0 else "worker"} for i, h in enumerate(host_ids[:2])],
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
        print(f"\nreal 1+1 first deploy: {real.figures['first_deploy_seconds']:.0f}s "
              f"(import {real.figures['import_seconds']:.0f}s); per phase: {phase_seconds(real.op)}")  # fmt: skip
        yield real
        print(f"\nreal cluster figures: {real.figures}")
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
    members = [by_name[n["metadata"]["name"]] for n in nodes]
    cidrs = {}
    for node in nodes:
        cidr = node["spec"].get("podCIDR")
        assert cidr, f"node {node['metadata']['name']} has no podCIDR: {node['spec']}"
        cidrs[by_name[node["metadata"]["name"]].ip] = cidr
    for host in members:
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


def _all_ready(real: RealCluster, count: int) -> bool:
    nodes = real.json("get", "nodes")["items"]
    return len(nodes) == count and all(
        any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"]) for n in nodes
    )


def test_nodes_ready_with_the_sites_cni_and_the_control_plane_running(real: RealCluster) -> None:
    cidrs = _site_cni(real)
    assert len(set(cidrs.values())) == 2, cidrs
    real.wait("2 nodes Ready", lambda: _all_ready(real, 2))
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
        if all(w in names for w in wanted) and sum(n.startswith("kube-proxy-") for n in names) == 2:
            return pods
        return None

    real.wait("the control plane and 2 kube-proxy pods Running and ready", control_plane)
    assert real.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def test_a_worker_added_through_the_api_joins_with_its_label(real: RealCluster) -> None:
    cluster_id = real.cluster["id"]
    started = time.monotonic()
    node = {"host_id": real.host_ids[2], "labels": {"example.com/rack": "r2"}}
    r = real.api.post(f"/api/v1/clusters/{cluster_id}/workers", json={"nodes": [node]})
    assert r.status_code == 202, r.text
    assert r.json()["status"] in ("scaling", "running") and r.json()["operation"]["kind"] == "add-workers"
    op = _wait_operation(real.api, r.json()["operation"]["id"], DEPLOY_TIMEOUT)
    real.figures["add_worker_seconds"] = time.monotonic() - started
    print(f"\nreal add one worker: {real.figures['add_worker_seconds']:.0f}s; per phase: {phase_seconds(op)}")
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()}{real.diagnose()}"
    cluster = real.api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert (cluster["status"], cluster["status_message"]) == ("running", "Workers added."), cluster
    assert [(n["role"], n["status"]) for n in cluster["nodes"]] == [("master", "ready")] + [("worker", "ready")] * 2
    real.cluster, real.op = cluster, op  # the spec of every node now, for the second run below
    name = ssh_root(real.hosts[2], "hostname").stdout.strip().lower()
    labels = real.json("get", "node", name)["metadata"]["labels"]
    assert labels.get("example.com/rack") == "r2" and "node-role.kubernetes.io/worker" in labels, labels
    _site_cni(real)
    real.wait("3 nodes Ready", lambda: _all_ready(real, 3))


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


def _etcdctl(real: RealCluster, command: str, stdin: str | None = None) -> str:
    master = real.hosts[0]
    ctl = (
        "ETCDCTL_API=3 etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt "
        f"--key /etc/etcd/pki/client.key --endpoints https://{master.ip}:2379"
    )
    r = ssh_root(master, f"{ctl} {command}", timeout=120, input=stdin)
    assert r.returncode == 0, f"etcdctl {command}: {r.stderr}"
    return str(r.stdout)


def _test_keys(real: RealCluster) -> dict[str, str]:
    got = json.loads(_etcdctl(real, "get --prefix /ko-test/ -w json"))
    return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv["value"]).decode() for kv in got.get("kvs") or []}


def _put_keys(real: RealCluster, keys: dict[str, str]) -> None:
    items = sorted(keys.items())
    for start in range(0, len(items), 100):  # etcd allows 128 operations in one transaction
        ops = "".join(f'put {k} "{v}"\n' for k, v in items[start : start + 100])
        _etcdctl(real, "txn", stdin=f"\n{ops}\n\n")


def _backup_accounts(real: RealCluster, project: str, s3: SeaweedS3, sshd: Sshd) -> dict[str, str]:
    local = real.tmp / "backups-local"
    local.mkdir()
    bodies = {
        "local": {"kind": "local", "directory": str(local)},
        "s3": {"kind": "s3", "endpoint": s3.endpoint, "bucket": "backups", "access_key": ADMIN_KEYS.access_key,
               "secret_key": ADMIN_KEYS.secret_key, "path_style": True},
        "sftp": {"kind": "sftp", "host": "127.0.0.1", "port": sshd.port, "username": SFTP_USER,
                 "password": SFTP_PASSWORD, "directory": sshd.writable, "host_key": sshd.host_key},
    }  # fmt: skip
    ids = {}
    for kind, body in bodies.items():
        r = real.api.post("/api/v1/backup-accounts", json={"name": f"real-{kind}", "project_ids": [project], **body})
        assert r.status_code == 201, r.text
        ids[kind] = r.json()["id"]
    return ids


def _wait_record(real: RealCluster, path: str, done: set[str], timeout: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while (got := real.api.get(path).json()).get("status") not in done:
        assert time.monotonic() < deadline, got
        time.sleep(2)
    result: dict[str, Any] = got
    return result


def test_backups_to_three_accounts_and_a_restore_bring_back_exactly_the_keys(
    real: RealCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Issue 15: 1,000 keys written, backed up to a local directory, S3 (SeaweedFS) and SFTP (sshd), then
    deleted and others written; the restore from S3 brings back exactly the originals, the API serving."""
    cluster_id, project = real.cluster["id"], real.cluster["project_id"]
    originals = {f"/ko-test/key-{i:04d}": f"value-{i}-{'x' * (i % 50)}" for i in range(1000)}
    _put_keys(real, originals)
    assert _test_keys(real) == originals
    s3 = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    sshd = start_sshd(public_line(ed25519_openssh()))
    try:
        s3.create_bucket("backups")
        accounts = _backup_accounts(real, project, s3, sshd)
        backups = {}
        for kind, account_id in accounts.items():
            started = time.monotonic()
            r = real.api.post(f"/api/v1/clusters/{cluster_id}/backups", json={"account_id": account_id})
            assert r.status_code == 201, r.text
            assert r.json()["status"] == "running" and r.json()["operation_id"], r.json()
            path = f"/api/v1/clusters/{cluster_id}/backups/{r.json()['id']}"
            op = _wait_operation(real.api, r.json()["operation_id"], 600)
            assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()[-3000:]}"
            backup = _wait_record(real, path, {"good", "failed"})
            assert backup["status"] == "good", backup
            real.figures[f"backup_{kind}_seconds"] = time.monotonic() - started
            assert backup["revision"] > 0 and backup["total_keys"] >= 1000 and len(backup["sha256"]) == 64, backup
            assert backup["kubernetes_version"] == real.cluster["version"], backup
            backups[kind] = backup
        # The snapshot is in each account with its checksum; the PKI beside it is not readable there.
        local = next((real.tmp / "backups-local").rglob("etcd.db"))
        assert hashlib.sha256(local.read_bytes()).hexdigest() == backups["local"]["sha256"]
        assert b"PRIVATE KEY" not in next((real.tmp / "backups-local").rglob("pki.tar.gz.enc")).read_bytes()
        assert any(k.endswith("etcd.db") for k in s3.keys("backups")), s3.keys("backups")
        assert list(Path(sshd.writable).rglob("etcd.db")), "nothing in the SFTP account"
        listed = real.api.get(f"/api/v1/clusters/{cluster_id}/backups").json()
        assert {b["id"] for b in listed["items"] if b["status"] == "good"} >= {b["id"] for b in backups.values()}

        # Changed after the backup: the keys deleted, others written, a ConfigMap made.
        _etcdctl(real, "del --prefix /ko-test/")
        _put_keys(real, {f"/ko-test/other-{i}": "later" for i in range(10)})
        real.kubectl("create", "configmap", "after-backup", "-n", "default", "--from-literal=k=v")

        r = real.api.post(
            f"/api/v1/clusters/{cluster_id}/restores", json={"backup_id": backups["s3"]["id"], "confirm": "wrong"}
        )
        assert r.status_code == 422 and r.json()["field"] == "confirm", r.text
        started = time.monotonic()
        r = real.api.post(
            f"/api/v1/clusters/{cluster_id}/restores",
            json={"backup_id": backups["s3"]["id"], "confirm": real.cluster["name"]},
        )
        assert r.status_code == 201, r.text
        restore = _wait_restore(real, cluster_id, r.json()["id"])
        real.figures["restore_seconds"] = time.monotonic() - started
        assert restore["status"] == "succeeded", f"{restore}\n{real.product.output()[-3000:]}{real.diagnose()}"
    finally:
        s3.stop()
        sshd.stop()
    assert _test_keys(real) == originals
    assert real.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"
    gone = real.kubectl("get", "configmap", "after-backup", "-n", "default", check=False)
    assert gone.returncode != 0 and "NotFound" in gone.stderr, gone.stdout + gone.stderr
    real.wait("every node Ready after the restore", lambda: _all_ready(real, 3))
    cluster = real.api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert cluster["status"] == "running", cluster
    figures = {k: round(v) for k, v in real.figures.items() if "backup" in k or "restore" in k}
    print(f"\nbackups and restore (seconds): {figures}")
    _etcdctl(real, "del --prefix /ko-test/")


def _wait_restore(real: RealCluster, cluster_id: str, restore_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 900
    while True:
        items = real.api.get(f"/api/v1/clusters/{cluster_id}/restores").json()["items"]
        restore: dict[str, Any] = next(r for r in items if r["id"] == restore_id)
        if restore["status"] != "running":
            return restore
        assert time.monotonic() < deadline, restore
        time.sleep(2)


def test_a_second_run_of_every_phase_changes_nothing(real: RealCluster) -> None:
    by_ip = {h.ip: h for h in real.hosts}
    hosts = {n["host_id"]: by_ip[n["ip"]] for n in real.cluster["nodes"]}
    repository = {"url": "", "port": int(real.product.url.rsplit(":", 1)[1]), "path": "/repository"}
    started = time.monotonic()
    again = real.tmp / "again"
    again.mkdir()
    changed = run_again(real.product.data_dir / "deployment.db", real.op["id"], hosts, again, repository)
    real.figures["second_run_seconds"] = time.monotonic() - started
    seconds = real.figures["second_run_seconds"]
    print(f"\nreal 1+2 (1+1 and an added worker) second run of every phase: {seconds:.0f}s, changed: {changed}")
    assert changed == {}, changed
    # The cluster still works after it.
    assert real.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def test_the_monitoring_stack_installs_as_an_operation_and_its_pods_are_scheduled(real: RealCluster) -> None:
    """PUT /addons/monitoring on the real cluster: the monitoring-install phases run, the four releases
    are deployed in namespace monitoring and their pods scheduled on the nodes (the real test package
    carries the stand-in charts with busybox idling under the images' names: helm --wait sees them
    start); DELETE uninstalls them. Skipped (one line) when the package carries no monitoring charts."""
    path = f"/api/v1/clusters/{real.cluster['id']}/addons/monitoring"
    r = real.api.put(path, json={"retention_days": 2})
    if r.status_code == 409 and r.json().get("field") == "package":
        pytest.skip(f"the real test package has no monitoring charts: {r.json()['detail']}")
    assert r.status_code == 202, r.text
    started = time.monotonic()
    op = _wait_operation(real.api, r.json()["operation"]["id"], 1800)
    assert op["status"] == "succeeded", f"{op}{real.diagnose()}"
    assert [p["name"] for p in op["phases"]] == [
        "images", "monitoring-crds", "monitoring-prometheus", "monitoring-logs", "monitoring-grafana"]  # fmt: skip
    print(f"\nmonitoring-install on the real cluster: {time.monotonic() - started:.0f}s")
    shown = real.api.get(path).json()
    assert shown["installed"] and shown["version"] and shown["settings"]["retention_days"] == 2
    secrets = real.json("get", "secrets", "--namespace", "monitoring", "-l", "owner=helm")["items"]
    deployed = {s["metadata"]["labels"]["name"] for s in secrets if s["metadata"]["labels"].get("status") == "deployed"}
    assert deployed == {"ko-monitoring", "ko-monitoring-loki", "ko-monitoring-alloy", "ko-monitoring-grafana"}
    pods = real.json("get", "pods", "--namespace", "monitoring")["items"]
    assert pods and all(p["spec"].get("nodeName") for p in pods), [p["metadata"]["name"] for p in pods]
    alloy = [p for p in pods if p["metadata"]["name"].startswith("ko-monitoring-alloy")]
    assert len(alloy) == len(real.cluster["nodes"])  # one per node, the master included
    assert real.json("get", "crd", "prometheuses.monitoring.coreos.com")["spec"]["group"] == "monitoring.coreos.com"
    # Uninstalled: the releases and the namespace go, the CRDs stay (other software's monitors use them).
    r = real.api.delete(path)
    assert r.status_code == 202, r.text
    op = _wait_operation(real.api, r.json()["operation"]["id"], 900)
    assert op["status"] == "succeeded", f"{op}{real.diagnose()}"
    real.wait(
        "the monitoring namespace gone",
        lambda: "NotFound" in real.kubectl("get", "namespace", "monitoring", check=False).stderr,
        timeout=180,
    )
    assert real.json("get", "crd", "prometheuses.monitoring.coreos.com")["spec"]["group"] == "monitoring.coreos.com"
    assert not real.api.get(path).json()["installed"]


def _certificates(real: RealCluster, action: str) -> dict[str, Any]:
    r = real.api.post(f"/api/v1/clusters/{real.cluster['id']}/certificates/{action}")
    assert r.status_code == 202, r.text
    op = _wait_operation(real.api, r.json()["operation"]["id"], 900)
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()}"
    events = real.api.get(f"/api/v1/operations/{op['id']}/events", params={"limit": 1000}).json()["items"]
    assert not [e for e in events if "PRIVATE KEY" in e["excerpt"] or "BEGIN CERTIFICATE" in e["excerpt"]]
    shown: dict[str, Any] = real.api.get(f"/api/v1/clusters/{real.cluster['id']}/certificates").json()
    assert "PRIVATE KEY" not in json.dumps(shown)
    return shown


def test_certificates_are_read_then_renewed_and_the_kubeconfig_refreshed(real: RealCluster) -> None:
    master = real.hosts[0].name
    checked = _certificates(real, "check")
    by_path = {(c["node"], c["path"]): c for c in checked["items"]}
    # The certificates phase's own (100 years) and kubeadm's (a year).
    assert by_path[(master, "/etc/kubernetes/pki/apiserver.crt")]["days_left"] > 36000
    kubelet_client = by_path[(master, "/etc/kubernetes/pki/apiserver-kubelet-client.crt")]
    assert 360 <= kubelet_client["days_left"] <= 366 and not kubelet_client["ca"]
    assert by_path[(master, "/etc/kubernetes/pki/ca.crt")]["ca"]
    assert (master, "/etc/kubernetes/admin.conf") in by_path
    assert any(node != master for node, _ in by_path), "the workers' kubelet certificates are read too"
    old_kubeconfig = real.kubeconfig.read_text()
    pids = "pgrep -x 'kube-apiserver|kube-controller|kube-scheduler' | sort"
    before = ssh_root(real.hosts[0], pids).stdout.split()
    assert len(before) == 3, before
    time.sleep(1.5)  # renewed certificates start at least a second later: their notAfter moves
    started = time.monotonic()
    renewed = _certificates(real, "renew")
    real.figures["renew_certificates_seconds"] = time.monotonic() - started
    after = {(c["node"], c["path"]): c for c in renewed["items"]}
    for path in ("/etc/kubernetes/pki/apiserver-kubelet-client.crt", "/etc/kubernetes/admin.conf"):
        assert after[(master, path)]["not_after"] > by_path[(master, path)]["not_after"], path
    for path in ("/etc/kubernetes/pki/ca.crt", "/etc/kubernetes/pki/apiserver.crt"):  # not kubeadm's to renew
        assert after[(master, path)]["not_after"] == by_path[(master, path)]["not_after"], path

    def three_running() -> list[str] | None:
        found = ssh_root(real.hosts[0], pids).stdout.split()
        return found if len(found) == 3 else None

    now_running = real.wait("the control plane started again", three_running)
    assert not set(before) & set(now_running), "every control-plane process was restarted with the renewed files"
    assert ssh_root(real.hosts[0], "ls /etc/kubernetes/manifests").stdout.split().count("kube-apiserver.yaml") == 1
    cluster = real.api.get(f"/api/v1/clusters/{real.cluster['id']}").json()
    assert (cluster["status"], cluster["status_message"]) == ("running", "Certificates renewed."), cluster
    r = real.api.get(f"/api/v1/clusters/{real.cluster['id']}/kubeconfig")
    assert r.status_code == 200 and r.text != old_kubeconfig, "the stored admin kubeconfig was refreshed"
    real.kubeconfig.write_text(r.text)
    real.wait(
        "/readyz through the refreshed kubeconfig",
        lambda: real.kubectl("get", "--raw", "/readyz", check=False).stdout.strip() == "ok",
    )


def _guarded(image: str) -> list[dict[str, Any]]:
    """Two replicas spread over the workers and a PodDisruptionBudget keeping one available."""
    labels = {"app": "guarded"}
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "guarded", "namespace": NAMESPACE},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "terminationGracePeriodSeconds": 1,
                        "topologySpreadConstraints": [
                            {
                                "maxSkew": 1,
                                "topologyKey": "kubernetes.io/hostname",
                                "whenUnsatisfiable": "ScheduleAnyway",
                                "labelSelector": {"matchLabels": labels},
                            }
                        ],
                        "containers": [
                            {
                                "name": "sleep",
                                "image": image,
                                "imagePullPolicy": "Never",
                                "command": ["/bin/busybox", "sleep", "100000"],
                            }
                        ],
                    },
                },
            },
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "guarded", "namespace": NAMESPACE},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": labels}},
        },
    ]


class Availability:
    """Reads the guarded Deployment's available replicas every half second (a thread); keeps the fewest seen
    while `counting` (the workers' drains: a control plane restarting slowly on a loaded machine lets the
    node controller mark every node's pods unready for a moment, which no drain causes)."""

    def __init__(self, real: RealCluster) -> None:
        self.real, self.stop, self.fewest, self.reads = real, threading.Event(), 99, 0
        self.counting = True
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            r = self.real.kubectl(
                "get",
                "deploy",
                "-n",
                NAMESPACE,
                "guarded",
                "-o",
                "jsonpath={.status.availableReplicas}",
                check=False,
                timeout=10,
            )
            if r.returncode == 0 and self.counting:  # the API server restarting does not answer: nothing known
                self.reads += 1
                self.fewest = min(self.fewest, int(r.stdout.strip() or 0))
            self.stop.wait(0.5)

    def __enter__(self) -> Availability:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


def _wait_phase(real: RealCluster, op_id: str, phase: str, timeout: float = 900) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = real.api.get(f"/api/v1/operations/{op_id}")
        op: dict[str, Any] = r.json() if r.status_code == 200 else {"status": "running", "phases": []}
        if any(p["name"] == phase and p["status"] == "running" for p in op["phases"]):
            return op
        assert op["status"] in ("queued", "running") and time.monotonic() < deadline, (phase, op)
        time.sleep(1)


def test_the_compliance_check_finds_a_wrong_file_mode_with_its_remedy(real: RealCluster) -> None:
    check_compliance(real)


def test_an_upgrade_survives_a_kill_and_a_cancel_and_keeps_the_guarded_pods(real: RealCluster) -> None:
    """1 master + 2 workers upgraded to the next package (a higher patch version stamped on the same
    source: only one Kubernetes source can be built here), through a cancel then a retry, and a kill -9
    of the deployment service (the launcher starts it again; the operation resumes)."""
    newer = [v for v, _ in k8s_versions() if v != real.cluster["version"]]
    if not newer:
        pytest.skip(
            f"{SKIP_PREFIX}: one Kubernetes version in the cache: build a second (a higher patch) to test upgrades"
        )
    target = newer[0]
    package = build_real_package(target)
    r = real.api.post("/api/v1/offline-packages", json={"source": str(package)})
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 600
    while (p := real.api.get(f"/api/v1/offline-packages/{r.json()['id']}").json())["status"] == "importing":
        assert time.monotonic() < deadline, p
        time.sleep(1)
    assert p["status"] == "ready", p
    cluster_id = real.cluster["id"]
    downgrade = real.api.post(f"/api/v1/clusters/{cluster_id}/upgrade", json={"version": "1.35.0"})
    assert downgrade.status_code == 422 and downgrade.json()["field"] == "version", downgrade.text

    # Bare pods would block every drain (nothing recreates them): replaced by the guarded Deployment.
    real.kubectl("delete", "pod", "-n", NAMESPACE, "web-0", "web-1", "--wait=true")
    manifest = real.tmp / "guarded.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": _guarded(real.image)}))
    real.kubectl("apply", "-f", str(manifest))
    real.wait(
        "2 guarded replicas available",
        lambda: (
            real.kubectl(
                "get", "deploy", "-n", NAMESPACE, "guarded", "-o", "jsonpath={.status.availableReplicas}"
            ).stdout
            == "2"
        ),
    )

    started = time.monotonic()
    with Availability(real) as seen:
        seen.counting = False
        r = real.api.post(f"/api/v1/clusters/{cluster_id}/upgrade", json={"version": target})
        assert r.status_code == 202, r.text
        op_id = r.json()["operation"]["id"]
        assert real.api.get(f"/api/v1/clusters/{cluster_id}").json()["status"] in ("running", "upgrading")
        _wait_phase(real, op_id, f"packages-{target}")
        assert real.api.post(f"/api/v1/operations/{op_id}/cancel").status_code == 200
        op = _wait_operation(real.api, op_id, 300)
        assert op["status"] == "cancelled", op
        cluster = real.api.get(f"/api/v1/clusters/{cluster_id}").json()
        assert cluster["status"] == "running" and "Retry it to resume" in cluster["status_message"], cluster
        assert real.api.post(f"/api/v1/operations/{op_id}/retry").status_code in (200, 202)
        _wait_phase(real, op_id, f"workers-{target}")
        seen.counting = True
        time.sleep(5)  # inside the first worker's turn
        os.kill(real.product.service_pid("deployment"), signal.SIGKILL)
        op = _wait_operation(real.api, op_id, DEPLOY_TIMEOUT)
    real.figures["upgrade_seconds"] = time.monotonic() - started
    print(
        f"\nreal upgrade 1+2 to {target} (with a cancel, a retry and a kill -9): "
        f"{real.figures['upgrade_seconds']:.0f}s; {phase_seconds(op)}; guarded replicas at least {seen.fewest} "
        f"in {seen.reads} reads"
    )
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()}{real.diagnose()}"
    assert seen.reads > 10 and seen.fewest >= 1, (seen.fewest, seen.reads)
    nodes = real.json("get", "nodes")["items"]
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes} == {f"v{target}"}
    assert not [n["metadata"]["name"] for n in nodes if n["spec"].get("unschedulable")]
    assert json.loads(real.kubectl("version", "-o", "json").stdout)["serverVersion"]["gitVersion"] == f"v{target}"
    cluster = real.api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert (cluster["status"], cluster["status_message"], cluster["version"]) == ("running", "Upgraded.", target)
    real.wait(
        "the nodes' versions in the API",
        lambda: {n["version"] for n in real.api.get(f"/api/v1/clusters/{cluster_id}").json()["nodes"]} == {target},
        timeout=120,
    )
    snapshot = ssh_root(real.hosts[0], "ls /var/lib/kubeoperator/snapshots/").stdout
    assert f"before-upgrade-{real.cluster['version']}-to-{target}" in snapshot, snapshot
    real.cluster = real.api.get(f"/api/v1/clusters/{cluster_id}").json()
    # The bare pods the tests below expect, back on their workers.
    workers = [ssh_root(h, "hostname").stdout.strip().lower() for h in real.hosts[1:]]
    real.kubectl("delete", "deploy,pdb", "-n", NAMESPACE, "guarded")
    pods = real.tmp / "pods-again.json"
    pods.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "List",
                "items": [_pod(f"web-{i}", w, real.image) for i, w in enumerate(workers)],
            }
        )
    )
    real.kubectl("apply", "-f", str(pods))
    real.wait(
        "the web pods Running again",
        lambda: (
            len(
                [
                    p
                    for p in real.json("get", "pods", "-n", NAMESPACE, "-l", "app in (web-0,web-1)")["items"]
                    if p["status"].get("phase") == "Running"
                ]
            )
            == 2
        ),
    )


def test_removing_a_worker_drains_it_and_frees_its_host_while_the_other_pod_runs(real: RealCluster) -> None:
    cluster_id = real.cluster["id"]
    gone, stays = real.hosts[1], real.hosts[2]
    gone_name = ssh_root(gone, "hostname").stdout.strip().lower()
    # The test's bare pod there would block the drain (nothing would recreate it): the site's to remove.
    real.kubectl("delete", "pod", "-n", NAMESPACE, "web-0", "--wait=true")
    before = real.json("get", "pod", "-n", NAMESPACE, "web-1")
    node = next(n["name"] for n in real.cluster["nodes"] if n["host_id"] == real.host_ids[1])
    started = time.monotonic()
    r = real.api.delete(f"/api/v1/clusters/{cluster_id}/workers/{node}")
    assert r.status_code == 202, r.text
    op_id = r.json()["operation"]["id"]
    while (op := real.api.get(f"/api/v1/operations/{op_id}").json())["status"] not in ("succeeded", "failed"):
        pod = real.json("get", "pod", "-n", NAMESPACE, "web-1")
        assert pod["metadata"]["uid"] == before["metadata"]["uid"] and pod["status"]["phase"] == "Running"
        assert time.monotonic() - started < 900, op
        time.sleep(3)
    real.figures["remove_worker_seconds"] = time.monotonic() - started
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()}"
    assert [p["name"] for p in op["phases"]] == ["drain", "reset-workers"]
    names = [n["metadata"]["name"] for n in real.json("get", "nodes")["items"]]
    assert gone_name not in names and len(names) == 2, names
    cluster = real.api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert cluster["status"] == "running" and len(cluster["nodes"]) == 2, cluster
    assert real.host_ids[1] not in [n["host_id"] for n in cluster["nodes"]]
    assert real.api.get(f"/api/v1/hosts/{real.host_ids[1]}").json()["cluster_id"] is None
    assert_reset_clean([gone])
    after = real.json("get", "pod", "-n", NAMESPACE, "web-1")
    assert after["metadata"]["uid"] == before["metadata"]["uid"] and after["status"]["phase"] == "Running"
    assert after["spec"]["nodeName"] == ssh_root(stays, "hostname").stdout.strip().lower()


def test_rebuilding_a_worker_resets_and_joins_its_host_again(real: RealCluster) -> None:
    cluster_id = real.cluster["id"]
    node = next(n["name"] for n in real.cluster["nodes"] if n["host_id"] == real.host_ids[2])
    real.kubectl("delete", "pod", "-n", NAMESPACE, "web-1", "--wait=false")
    started = time.monotonic()
    r = real.api.post(f"/api/v1/clusters/{cluster_id}/workers/{node}/rebuild")
    assert r.status_code == 202, r.text
    op = _wait_operation(real.api, r.json()["operation"]["id"], DEPLOY_TIMEOUT)
    real.figures["rebuild_worker_seconds"] = time.monotonic() - started
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{real.product.output()}"
    cluster = real.api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert (cluster["status"], cluster["status_message"]) == ("running", "Worker rebuilt."), cluster
    assert [n["status"] for n in cluster["nodes"]] == ["ready", "ready"]
    _site_cni(real)  # the reset removed the site's CNI configuration from the host
    real.wait("2 nodes Ready after the rebuild", lambda: _all_ready(real, 2))


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
