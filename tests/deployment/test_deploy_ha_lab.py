"""3 masters + 1 worker with an external load balancer (haproxy + keepalived holding a VIP in the
lab's subnet), deployed through the API with the real playbooks and the real test offline package.

Asserted on the hosts: etcd healthy on its 3 members (etcdctl over TLS with the client
certificate; the member list shows 3 started), haproxy and keepalived active on the masters, the VIP
held by exactly one master, and moved to another master within a bounded poll once keepalived stops
on its holder (VRRP over unicast between the masters); when the masters phase runs API servers, the
API answers through the VIP with a certificate that names it.

The cluster lives on the lab's last 4 hosts and is deleted at the end: its reset must leave them
clean (as the lab's own tests after this one expect), and on a lab of 4 hosts the console's 1+1
(tests/e2e/test_console_lab_e2e.py) then deploys again on hosts this test has reset.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator

import pytest

from tests.deployment.engine_support import Engine, deploy_engine, phase_seconds
from tests.lab.lab import Host, Lab
from tests.lab.sshutil import ssh_root
from tests.support.real_package import k8s_versions

pytestmark = [pytest.mark.lab, pytest.mark.timeout(3000)]

DEPLOY_TIMEOUT = 2400  # 4 hosts installing every package on a 2-core machine shared with other test runs
FAILOVER_SECONDS = 20  # keepalived: advert_int 1 s, a BACKUP takes over after 3 missed adverts (+ skew)


@pytest.fixture(scope="module")
def engine(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if len(lab.hosts) < 4:
        pytest.skip("the HA deploy needs a lab of 4 hosts or more (KO_LAB_HOSTS)")
    if k8s_versions():
        pytest.skip(
            "real Kubernetes binaries are cached: tests/deployment/test_real_ha_lab.py deploys 3+1 for real and "
            "checks the same (etcd members, haproxy and keepalived, the VIP's failover, the reset)"
        )
    with deploy_engine(lab, tmp_path_factory.mktemp("deploy-ha"), hosts=lab.hosts[-4:]) as engine:
        yield engine


def vip_holders(masters: list[Host], vip: str) -> list[str]:
    return [m.name for m in masters if f"inet {vip}/" in ssh_root(m, "ip -4 -o addr show").stdout]


def wait_holders(masters: list[Host], vip: str, timeout: float, but: str | None = None) -> list[str]:
    """Poll until exactly one master (other than ``but``) holds the VIP; its name."""
    deadline = time.monotonic() + timeout
    while True:
        holders = vip_holders(masters, vip)
        if len(holders) == 1 and holders[0] != but:
            return holders
        assert time.monotonic() < deadline, f"VIP {vip} held by {holders} after {timeout} s (not by {but})"
        time.sleep(0.5)


def test_three_masters_with_a_vip_deploy_etcd_has_three_members_and_the_vip_fails_over(engine: Engine) -> None:
    hosts = engine.lab.hosts[-4:]
    masters, worker = hosts[:3], hosts[3]
    vip = str(ipaddress.ip_network(engine.lab.net).network_address + 250)
    assert vip not in {h.ip for h in engine.lab.hosts}
    body = {
        "project_id": "p1", "name": "lab-ha", "version": "1.36.0", "topology": "ha",
        "nodes": [{"host_id": h, "role": "master" if i < 3 else "worker"} for i, h in enumerate(engine.host_ids)],
        "load_balancer": {"mode": "external", "vip": vip},
    }  # fmt: skip
    r = engine.call("POST", "/api/v1/clusters", json=body)
    assert r.status_code == 201, r.text
    cluster_id, op_id = r.json()["id"], r.json()["operation"]["id"]
    started = time.monotonic()
    op = engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=DEPLOY_TIMEOUT)
    assert op["status"] == "succeeded", op["failure"]
    print(f"deploy 3+1 through the API: {time.monotonic() - started:.0f}s;", phase_seconds(op))
    assert engine.call("GET", f"/api/v1/clusters/{cluster_id}").json()["status"] == "running"

    # etcd: 3 members, each healthy over TLS with the client certificate.
    endpoints = ",".join(f"https://{m.ip}:2379" for m in masters)
    etcdctl = (
        "etcdctl --cacert /etc/etcd/pki/ca.crt --cert /etc/etcd/pki/client.crt --key /etc/etcd/pki/client.key "
        f"--endpoints {endpoints}"
    )
    health = ssh_root(masters[1], f"{etcdctl} endpoint health")  # etcdctl says it on stderr
    assert health.returncode == 0 and (health.stdout + health.stderr).count("is healthy") == 3, health.stderr
    members = ssh_root(masters[2], f"{etcdctl} member list").stdout.splitlines()
    assert len(members) == 3 and all(", started, " in m for m in members), members
    assert {m.ip for m in masters} == {line.split(", ")[3].split("//")[1].split(":")[0] for line in members}

    # haproxy and keepalived on every master (not on the worker); the VIP on exactly one master.
    for master in masters:
        assert ssh_root(master, "systemctl is-active haproxy keepalived").stdout.split() == ["active", "active"]
    assert ssh_root(worker, "systemctl is-active keepalived").stdout.strip() != "active"
    holder = wait_holders(masters, vip, FAILOVER_SECONDS)[0]

    # keepalived stopped on the holder: another master takes the VIP (unicast VRRP between the masters).
    by_name = {m.name: m for m in masters}
    stopped = time.monotonic()
    assert ssh_root(by_name[holder], "systemctl stop keepalived").returncode == 0
    try:
        new_holder = wait_holders(masters, vip, FAILOVER_SECONDS, but=holder)[0]
        print(f"VIP moved from {holder} to {new_holder} in {time.monotonic() - stopped:.1f}s")
    finally:
        assert ssh_root(by_name[holder], "systemctl start keepalived").returncode == 0
    # Back: nopreempt, so the VIP stays where it is, still on exactly one master.
    time.sleep(3)  # three adverts: a wrongly preempting master would have taken it by now
    assert vip_holders(masters, vip) == [new_holder]

    # The API through the VIP, verified with the cluster's CA and the VIP as the name (once the
    # masters phase runs API servers).
    if ssh_root(masters[0], "exec 3<>/dev/tcp/127.0.0.1/6443 && echo open").stdout.strip() == "open":
        probe = (
            "python3 -c 'import ssl, urllib.request, urllib.error\n"
            'ctx = ssl.create_default_context(cafile="/etc/kubernetes/pki/ca.crt")\n'
            "try:\n"
            f'    r = urllib.request.urlopen("https://{vip}:8443/version", context=ctx, timeout=10)\n'
            "    print(r.status)\n"
            "except urllib.error.HTTPError as e:\n"
            "    print(e.code)\n'"
        )
        answer = ssh_root(worker, probe)
        assert answer.stdout.strip() in ("200", "401", "403"), answer.stdout + answer.stderr

    r = engine.call("DELETE", f"/api/v1/clusters/{cluster_id}")
    assert r.status_code == 202, r.text
    reset = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled", timeout=600)
    assert reset["status"] == "succeeded", reset["failure"]
    for host in hosts:
        left = ssh_root(host, "ls /etc/apt/sources.list.d/; systemctl is-active keepalived haproxy etcd; ip -4 -o addr")
        lines = left.stdout.splitlines()
        assert "kolab.list" in lines and not any(".ko-disabled" in line for line in lines), lines
        assert "active" not in lines and f"inet {vip}/" not in left.stdout, lines
