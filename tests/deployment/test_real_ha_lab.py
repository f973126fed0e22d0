"""A real HA cluster, 3 masters + 1 worker behind an external VIP (keepalived + haproxy on the masters),
deployed by the product on lab hosts (issue 13 item 5), through its public API as ``make run`` starts it.

With the real offline package (Kubernetes built from source, etcd 3.6) and the container-host settings
of docs/container-hosts.md, network plugin none and the site's CNI written by the test (as in
test_real_cluster_lab.py, whose helpers this uses): every node Ready, etcd healthy on 3 members, the
API answering through the VIP with the downloaded kubeconfig; then the API server of the master that
holds the VIP is stopped (its static pod manifest moved away) and the API still answers through the
VIP (haproxy on the holder sends to the other masters); back. Then the first master (the one that
ran kubeadm init and made the certificates) is removed through the API (etcd 2 healthy members, its
host reset clean and free) and added back (3 healthy members, every API server on the 3 members, the
API server certificate naming them), the API answering through the VIP all along (asked twice a
second). Finally the cluster is deleted: its reset leaves the hosts clean. Needs 4 lab hosts; skips
with one line without the real binaries.
"""

from __future__ import annotations

import contextlib
import ipaddress
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import yaml

from tests.backup.servers import ADMIN_KEYS, start_seaweedfs
from tests.deployment.cluster_checks import assert_reset_clean
from tests.deployment.engine_support import phase_seconds
from tests.deployment.test_deploy_ha_lab import FAILOVER_SECONDS, vip_holders, wait_holders
from tests.deployment.test_real_cluster_lab import (
    CONTAINER_HOSTS,
    DEPLOY_TIMEOUT,
    POD_CIDR,
    SERVICE_CIDR,
    RealCluster,
    _all_ready,
    _etcdctl,
    _put_keys,
    _real_package,
    _register_hosts,
    _site_cni,
    _test_keys,
    _wait_operation,
    _wait_restore,
)
from tests.e2e.test_console_e2e import ADMIN_PASSWORD, Product, _free_port
from tests.lab.lab import Host, Lab
from tests.lab.sshutil import ssh_root
from tests.support.real_package import TEST_IMAGE, k8s_bin_dir

pytestmark = [pytest.mark.realk8s, pytest.mark.lab, pytest.mark.timeout(DEPLOY_TIMEOUT + 1800)]
MANIFEST = "/etc/kubernetes/manifests/kube-apiserver.yaml"


@pytest.fixture(scope="module")
def ha(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealCluster]:
    package = _real_package()
    if len(lab.hosts) < 4:
        pytest.skip("the real HA cluster needs 4 lab hosts (KO_LAB_HOSTS=4)")
    _, bin_dir = k8s_bin_dir()
    tmp = tmp_path_factory.mktemp("real-ha")
    product = Product(tmp / "data", _free_port())
    api = httpx.Client(base_url=product.url, timeout=60, trust_env=False)
    real: RealCluster | None = None
    try:
        product.wait_ready()
        r = api.post("/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        api.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        project = next(p["id"] for p in api.get("/api/v1/projects").json()["items"] if p["name"] == "default")
        hosts = lab.hosts[-4:]
        host_ids = _register_hosts(api, project, hosts)
        r = api.post("/api/v1/offline-packages", json={"source": str(package)})
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + 600
        while (p := api.get(f"/api/v1/offline-packages/{r.json()['id']}").json())["status"] == "importing":
            assert time.monotonic() < deadline, p
            time.sleep(1)
        assert p["status"] == "ready", p
        image = f"{TEST_IMAGE}:{p['components']['test-busybox']}"
        real = RealCluster(product, lab, api, bin_dir / "kubectl", hosts, host_ids, tmp, image)
        vip = str(ipaddress.ip_network(lab.net).network_address + 250)
        body = {
            "project_id": project, "name": "real-ha", "version": p["kubernetes_version"], "topology": "ha",
            "nodes": [{"host_id": h, "role": "master" if i < 3 else "worker"} for i, h in enumerate(host_ids)],
            "load_balancer": {"mode": "external", "vip": vip},
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
        print(f"\nreal 3+1 HA first deploy: {real.figures['first_deploy_seconds']:.0f}s; {phase_seconds(real.op)}")
        yield real
        print(f"\nreal HA figures: {real.figures}")
    finally:
        with contextlib.suppress(Exception):
            if real is not None and real.cluster and not real.deleted:
                r = api.delete(f"/api/v1/clusters/{real.cluster['id']}")
                if r.status_code == 202:
                    _wait_operation(api, r.json()["operation"]["id"], 900)
        api.close()
        product.stop()


def test_three_masters_deploy_and_the_api_answers_through_the_vip(ha: RealCluster) -> None:
    op = ha.op
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{ha.product.output()}{ha.diagnose()}"
    r = ha.api.get(f"/api/v1/clusters/{ha.cluster['id']}/kubeconfig")
    assert r.status_code == 200, r.text
    ha.kubeconfig.write_text(r.text)
    vip = ha.cluster["spec"]["load_balancer"]["vip"]
    assert yaml.safe_load(r.text)["clusters"][0]["cluster"]["server"] == f"https://{vip}:8443"
    _site_cni(ha)
    ha.wait("4 nodes Ready", lambda: _all_ready(ha, 4))
    masters = ha.hosts[:3]
    endpoints = ",".join(f"https://{m.ip}:2379" for m in masters)
    health = ssh_root(
        masters[0],
        "ETCDCTL_API=3 etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt "
        f"--key /etc/etcd/pki/client.key --endpoints {endpoints} endpoint health",
    )
    assert (health.stdout + health.stderr).count("is healthy") == 3, health.stdout + health.stderr
    assert ha.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def test_the_api_still_answers_when_the_vip_holders_api_server_stops(ha: RealCluster) -> None:
    masters = ha.hosts[:3]
    vip = ha.cluster["spec"]["load_balancer"]["vip"]
    holder_name = wait_holders(masters, vip, 20)[0]
    holder = next(m for m in masters if m.name == holder_name)
    moved = ssh_root(holder, f"mv {MANIFEST} /root/kube-apiserver.yaml.stopped")
    assert moved.returncode == 0, moved.stderr
    try:
        # The kubelet stops it; haproxy's checks take it out of the pool.
        ha.wait(
            "the holder's API server stopped",
            lambda: ssh_root(holder, "exec 3<>/dev/tcp/127.0.0.1/6443 && echo open").stdout.strip() != "open",
            timeout=120,
        )
        assert vip_holders(masters, vip) == [holder_name]  # the VIP did not move: haproxy answers for it
        answers = []
        for _ in range(5):
            answers.append(ha.kubectl("get", "--raw", "/readyz", check=False).stdout.strip())
            time.sleep(1)
        assert answers.count("ok") >= 4, answers  # haproxy may try the stopped one once before its check fails
        nodes = ha.json("get", "nodes")["items"]
        assert len(nodes) == 4
    finally:
        ssh_root(holder, f"mv /root/kube-apiserver.yaml.stopped {MANIFEST}")
    ha.wait(
        "the holder's API server back",
        lambda: ha.kubectl("get", "--raw", "/readyz", check=False).stdout.strip() == "ok",
    )


def test_the_vip_moves_when_its_holders_keepalived_stops_and_the_api_follows(ha: RealCluster) -> None:
    """keepalived stopped on the VIP's holder: another master takes the VIP (unicast VRRP), the API answers
    through it; back, nopreempt keeps the VIP where it went (this replaced the fake-binaries HA test)."""
    masters = ha.hosts[:3]
    vip = ha.cluster["spec"]["load_balancer"]["vip"]
    for master in masters:
        assert ssh_root(master, "systemctl is-active haproxy keepalived").stdout.split() == ["active", "active"]
    assert ssh_root(ha.hosts[3], "systemctl is-active keepalived").stdout.strip() != "active"
    holder = wait_holders(masters, vip, FAILOVER_SECONDS)[0]
    by_name = {m.name: m for m in masters}
    stopped = time.monotonic()
    assert ssh_root(by_name[holder], "systemctl stop keepalived").returncode == 0
    try:
        new_holder = wait_holders(masters, vip, FAILOVER_SECONDS, but=holder)[0]
        print(f"\nVIP moved from {holder} to {new_holder} in {time.monotonic() - stopped:.1f}s")
        ha.wait(
            "the API through the moved VIP",
            lambda: ha.kubectl("get", "--raw", "/readyz", check=False).stdout.strip() == "ok",
            timeout=60,
        )
    finally:
        assert ssh_root(by_name[holder], "systemctl start keepalived").returncode == 0
    time.sleep(3)  # three adverts: a wrongly preempting master would have taken it by now
    assert vip_holders(masters, vip) == [new_holder]


def test_a_three_member_etcd_is_restored_from_s3_with_the_api_serving(
    ha: RealCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Issue 15's restore benchmark: a backup to S3 (SeaweedFS), keys changed, the restore on all three
    members at once (new cluster token), the API serving through the VIP again; the keys are the backup's."""
    cluster_id, project = ha.cluster["id"], ha.cluster["project_id"]
    originals = {f"/ko-test/ha-{i:03d}": f"v{i}" for i in range(300)}
    _put_keys(ha, originals)
    s3 = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs-ha"))
    try:
        s3.create_bucket("backups")
        keys = {"access_key": ADMIN_KEYS.access_key, "secret_key": ADMIN_KEYS.secret_key}
        body = {"name": "ha-s3", "kind": "s3", "endpoint": s3.endpoint, "bucket": "backups", "path_style": True,
                "project_ids": [project], **keys}  # fmt: skip
        account = ha.api.post("/api/v1/backup-accounts", json=body)
        assert account.status_code == 201, account.text
        r = ha.api.post(f"/api/v1/clusters/{cluster_id}/backups", json={"account_id": account.json()["id"]})
        assert r.status_code == 201, r.text
        op = _wait_operation(ha.api, r.json()["operation_id"], 600)
        assert op["status"] == "succeeded", f"{op.get('failure')}\n{ha.product.output()[-3000:]}"
        backup = ha.api.get(f"/api/v1/clusters/{cluster_id}/backups/{r.json()['id']}").json()
        assert backup["status"] == "good", backup
        _etcdctl(ha, "del --prefix /ko-test/")
        started = time.monotonic()
        r = ha.api.post(
            f"/api/v1/clusters/{cluster_id}/restores", json={"backup_id": backup["id"], "confirm": ha.cluster["name"]}
        )
        assert r.status_code == 201, r.text
        restore = _wait_restore(ha, cluster_id, r.json()["id"])
        assert restore["status"] == "succeeded", f"{restore}\n{ha.product.output()[-3000:]}{ha.diagnose()}"
        ha.wait(
            "the API through the VIP", lambda: ha.kubectl("get", "--raw", "/readyz", check=False).stdout.strip() == "ok"
        )
        ha.figures["restore_3_members_seconds"] = time.monotonic() - started
        print(f"\nrestore of 3 etcd members from S3 to a serving API: {ha.figures['restore_3_members_seconds']:.0f}s")
    finally:
        s3.stop()
    assert _test_keys(ha) == originals
    assert "is healthy" in _etcd_health(ha, ha.hosts[:3])
    ha.wait("4 nodes Ready after the restore", lambda: _all_ready(ha, 4))
    _etcdctl(ha, "del --prefix /ko-test/")


class ApiWatch:
    """Asks the API through the VIP every half second (a thread) and keeps the longest time it did not answer."""

    def __init__(self, ha: RealCluster) -> None:
        self.ha, self.stop, self.longest, self.asked = ha, threading.Event(), 0.0, 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        down_since: float | None = None
        while not self.stop.is_set():
            ok = self.ha.kubectl("get", "--raw", "/readyz", check=False, timeout=10).stdout.strip() == "ok"
            now, self.asked = time.monotonic(), self.asked + 1
            if ok:
                down_since = None
            else:
                down_since = down_since or now
                self.longest = max(self.longest, now - down_since)
            self.stop.wait(0.5)

    def __enter__(self) -> ApiWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)


def _etcd_health(ha: RealCluster, masters: list[Host]) -> str:
    endpoints = ",".join(f"https://{m.ip}:2379" for m in masters)
    r = ssh_root(
        masters[0],
        "ETCDCTL_API=3 etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt "
        f"--key /etc/etcd/pki/client.key --endpoints {endpoints} endpoint health; "
        "ETCDCTL_API=3 etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt "
        f"--key /etc/etcd/pki/client.key --endpoints {endpoints} member list",
    )
    return r.stdout + r.stderr


def test_removing_the_first_master_keeps_etcd_and_the_api(ha: RealCluster) -> None:
    """The first master (the one that made the certificates and ran kubeadm init) goes: 2 healthy members."""
    cluster_id, gone = ha.cluster["id"], ha.hosts[0]
    name = ssh_root(gone, "hostname").stdout.strip().lower()
    started = time.monotonic()
    with ApiWatch(ha) as watch:
        r = ha.api.delete(f"/api/v1/clusters/{cluster_id}/masters/{name}")
        assert r.status_code == 202, r.text
        assert r.json()["operation"]["kind"] == "remove-masters"
        op = _wait_operation(ha.api, r.json()["operation"]["id"], DEPLOY_TIMEOUT)
    ha.figures["remove_master_seconds"] = time.monotonic() - started
    print(f"\nreal remove a master: {ha.figures['remove_master_seconds']:.0f}s; {phase_seconds(op)}; "
          f"API unanswered at most {watch.longest:.1f}s of {watch.asked} asks")  # fmt: skip
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{ha.product.output()}{ha.diagnose()}"
    assert watch.longest < 10, watch.longest  # the VIP moving off the removed master
    health = _etcd_health(ha, ha.hosts[1:3])
    assert health.count("is healthy") == 2 and gone.ip not in health, health
    nodes = [n["metadata"]["name"] for n in ha.json("get", "nodes")["items"]]
    assert name not in nodes and len(nodes) == 3, nodes
    cluster = ha.api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert (cluster["status"], cluster["status_message"]) == ("running", "Master removed."), cluster
    assert [n["role"] for n in cluster["nodes"]] == ["master", "master", "worker"]
    assert ha.api.get(f"/api/v1/hosts/{ha.host_ids[0]}").json()["cluster_id"] is None
    for master in ha.hosts[1:3]:
        servers = ssh_root(master, f"grep -o -- '--etcd-servers=.*' {MANIFEST}").stdout
        assert gone.ip not in servers and master.ip in servers, servers
    assert_reset_clean([gone])
    assert ha.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def test_the_removed_master_is_added_back(ha: RealCluster) -> None:
    cluster_id, back = ha.cluster["id"], ha.hosts[0]
    started = time.monotonic()
    with ApiWatch(ha) as watch:
        r = ha.api.post(f"/api/v1/clusters/{cluster_id}/masters", json={"nodes": [{"host_id": ha.host_ids[0]}]})
        assert r.status_code == 202, r.text
        op = _wait_operation(ha.api, r.json()["operation"]["id"], DEPLOY_TIMEOUT)
    ha.figures["add_master_seconds"] = time.monotonic() - started
    print(f"\nreal add a master: {ha.figures['add_master_seconds']:.0f}s; {phase_seconds(op)}; "
          f"API unanswered at most {watch.longest:.1f}s of {watch.asked} asks")  # fmt: skip
    assert op["status"] == "succeeded", f"{op.get('failure')}\n{ha.product.output()}{ha.diagnose()}"
    assert watch.longest < 10, watch.longest
    masters = [ha.hosts[1], ha.hosts[2], back]
    health = _etcd_health(ha, masters)
    assert health.count("is healthy") == 3, health
    cluster = ha.api.get(f"/api/v1/clusters/{cluster_id}").json()
    assert (cluster["status"], cluster["status_message"]) == ("running", "Masters added."), cluster
    assert sorted(n["role"] for n in cluster["nodes"]) == ["master"] * 3 + ["worker"]
    _site_cni(ha)
    ha.wait("4 nodes Ready", lambda: _all_ready(ha, 4))
    # By the masters' names, whichever is first (a change of first master restarts no API server).
    wanted = ",".join(f"https://{m.ip}:2379" for m in sorted(masters, key=lambda m: m.name))
    for master in masters:
        servers = ssh_root(master, f"grep -o -- '--etcd-servers=[^ ]*' {MANIFEST}").stdout.strip()
        assert servers == f"--etcd-servers={wanted}", (master.name, servers)
    sans = ssh_root(back, "openssl x509 -noout -ext subjectAltName -in /etc/kubernetes/pki/apiserver.crt").stdout
    assert all(m.ip in sans for m in masters), sans


def test_delete_resets_the_ha_hosts_clean(ha: RealCluster) -> None:
    r = ha.api.delete(f"/api/v1/clusters/{ha.cluster['id']}")
    assert r.status_code == 202, r.text
    op = _wait_operation(ha.api, r.json()["operation"]["id"], 900)
    ha.deleted = True
    assert op["status"] == "succeeded", op.get("failure")
    assert_reset_clean(ha.hosts)
    for host in ha.hosts:
        ssh_root(
            host,
            f"ip -o route show root {POD_CIDR} | grep via | cut -d' ' -f1 | xargs -r -n1 ip route del;"
            f" ip route del {SERVICE_CIDR} 2>/dev/null || true",
        )
