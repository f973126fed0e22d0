"""The provisioning service's internal API, served for real, on SQLite and PostgreSQL.

Network discipline: pools are in 127.0.0.0/8 with probing off, and the only SSH server is an
OpenSSH sshd started here on loopback (root login with a key made for the test, its own config),
so hosts are registered end to end without the lab.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ko_common.db import Database, new_id
from ko_common.identity import service_identity
from ko_inventory.hosts.models import Host
from tests.inventory.cloud_support import (
    API,
    REGION_PASSWORD,
    VSPHERE_SIZE,
    make,
    make_zone,
    ok,
    pool_body,
    region_body,
)
from tests.inventory.support import ADMIN, ALICE, BOB, Inventory, ed25519_openssh, fields
from tests.support.procs import free_port, wait_port

pytestmark = pytest.mark.inventory_settings(ip_probe_ports=[], ssh_connect_timeout_seconds=3)
URL = "/internal/provisioning"
PROVISIONING = service_identity("provisioning")
SSHD = Path("/usr/sbin/sshd")


def call(inv: Inventory, method: str, path: str, who: Any = PROVISIONING, **kwargs: Any) -> Any:
    return inv.call(method, URL + path, who, **kwargs)


def free_ips(inv: Inventory, pool_id: str) -> list[str]:
    page = ok(inv.call("GET", f"{API}/ip-pools/{pool_id}/addresses", ALICE, params={"status": "free", "limit": 1000}))
    return [a["ip"] for a in page["items"]]


def owned(inv: Inventory, pool_id: str, owner: str) -> list[str]:
    page = ok(inv.call("GET", f"{API}/ip-pools/{pool_id}/addresses", ALICE, params={"owner": owner, "limit": 1000}))
    return [a["ip"] for a in page["items"]]


def test_only_the_provisioning_service_may_call(inventory: Inventory) -> None:
    routes = [
        ("GET", "/plans/p", None),
        ("POST", "/ip-pools/x/allocate", {"owner": "cluster:c1", "count": 1}),
        ("POST", "/ip-pools/x/release", {"owner": "cluster:c1"}),
        ("POST", "/hosts", {}),  # refused before the body is even read
        ("POST", "/hosts/forget", {"project_id": "p1", "host_ids": []}),
    ]
    for method, path, body in routes:
        for who in (ALICE, ADMIN, service_identity("deployment")):
            r = call(inventory, method, path, who, json=body)
            assert r.status_code == 403 and "provisioning" in r.json()["detail"], (path, who, r.text)
        assert call(inventory, method, path, None, json=body).status_code == 401
    r = call(inventory, "POST", "/hosts/forget", json={"project_id": "p1", "host_ids": []})
    assert r.json() == {"deleted": []}, r.text
    assert "/internal/provisioning/hosts" not in inventory.call("GET", "/openapi.json", None).text


def test_the_plan_with_its_cloud_password_and_zone_pools(
    inventory: Inventory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    region = make(inventory, "regions", region_body())
    pool_a = make(inventory, "ip-pools", pool_body("pool-a"))
    pool_b = make(inventory, "ip-pools", pool_body("pool-b", first=10, last=13))
    za = make_zone(inventory, region, pool_a, "a-zone")
    zb = make_zone(inventory, region, pool_b, "b-zone")
    zc = make_zone(inventory, region, pool_a, "c-zone")
    order = [zc["id"], za["id"], zb["id"]]
    body = {"project_id": "p1", "name": "ha", "region_id": region["id"], "topology": "ha", "worker_count": 2,
            "master_size": VSPHERE_SIZE, "worker_size": VSPHERE_SIZE, "zone_ids": order}  # fmt: skip
    plan = make(inventory, "plans", body)
    ok(
        inventory.call("POST", f"{API}/ip-pools/{pool_b['id']}/allocations", ALICE, json={"count": 3, "owner": "x"}),
        201,
    )

    got = ok(call(inventory, "GET", f"/plans/{plan['id']}"))
    assert got["plan"] == ok(inventory.call("GET", f"{API}/plans/{plan['id']}", ALICE))
    assert got["plan"]["placement"]["masters"] == [zc["id"], za["id"], zb["id"]]
    public_region = ok(inventory.call("GET", f"{API}/regions/{region['id']}", ALICE))
    assert "password" not in public_region and REGION_PASSWORD not in str(public_region)
    assert got["region"] == public_region | {"password": REGION_PASSWORD}
    assert [z["id"] for z in got["zones"]] == [zc["id"], za["id"], zb["id"]]
    for zone in got["zones"]:
        public = ok(inventory.call("GET", f"{API}/zones/{zone['id']}", ALICE))
        assert {k: v for k, v in zone.items() if k != "pool"} == public
    pools = [z["pool"] for z in got["zones"]]
    base_a = pool_a["subnet"].rsplit(".", 1)[0]
    assert pools[0] == pools[1] == {"id": pool_a["id"], "name": "pool-a", "subnet": pool_a["subnet"],
                                    "gateway": f"{base_a}.1", "dns": [f"{base_a}.2"], "free": 11}  # fmt: skip
    assert (pools[2]["id"], pools[2]["free"]) == (pool_b["id"], 1)
    assert REGION_PASSWORD not in caplog.text

    r = call(inventory, "GET", "/plans/no-such-plan")
    assert r.status_code == 404 and r.json()["field"] == "plan_id" and r.json()["error"] == "not_found", r.text


def test_allocate_and_release(inventory: Inventory) -> None:
    pool = make(inventory, "ip-pools", pool_body("vms", first=10, last=20))  # 11 addresses
    path = f"/ip-pools/{pool['id']}"

    a = ok(call(inventory, "POST", f"{path}/allocate", json={"owner": "cluster:a", "count": 4}))
    b = ok(call(inventory, "POST", f"{path}/allocate", json={"owner": "cluster:b", "count": 5}))
    assert set(a) == {"pool_id", "owner", "addresses", "skipped_in_use"} and a["owner"] == "cluster:a"
    assert len(a["addresses"]) == 4 and len(b["addresses"]) == 5 and not set(a["addresses"]) & set(b["addresses"])
    assert owned(inventory, pool["id"], "cluster:a") == a["addresses"]

    # Two left: asking for three refuses, names the pool, and takes nothing.
    r = call(inventory, "POST", f"{path}/allocate", json={"owner": "cluster:c", "count": 3})
    assert r.status_code == 409 and "IP pool vms" in r.json()["detail"] and fields(r) == {"count"}, r.text
    assert owned(inventory, pool["id"], "cluster:c") == [] and len(free_ips(inventory, pool["id"])) == 2

    released = ok(call(inventory, "POST", f"{path}/release", json={"owner": "cluster:a"}))
    assert released == {"pool_id": pool["id"], "addresses": a["addresses"]}
    assert set(a["addresses"]) <= set(free_ips(inventory, pool["id"])) and len(free_ips(inventory, pool["id"])) == 6
    assert ok(call(inventory, "POST", f"{path}/release", json={"owner": "cluster:a"}))["addresses"] == []
    one = b["addresses"][:1]
    assert ok(call(inventory, "POST", f"{path}/release", json={"addresses": one}))["addresses"] == one

    bad: list[tuple[dict[str, Any], str]] = [({"owner": "cluster:a", "count": 0}, "count"), ({"count": 1}, "owner")]
    for body, named in bad:
        r = call(inventory, "POST", f"{path}/allocate", json=body)
        assert r.status_code == 422 and named in fields(r), r.text
    r = call(inventory, "POST", f"{path}/release", json={})
    assert r.status_code == 422 and fields(r) == {"addresses"}, r.text
    for route, sent in (("allocate", {"owner": "x", "count": 1}), ("release", {"owner": "x"})):
        r = call(inventory, "POST", f"/ip-pools/no-such-pool/{route}", json=sent)
        assert r.status_code == 404 and fields(r) == {"pool_id"}, r.text


# --- hosts -----------------------------------------------------------------------------------------


def credential(inv: Inventory, name: str, key: str, project: str = "p1", who: Any = ALICE) -> str:
    body = {"project_id": project, "name": name, "username": "root", "auth_type": "private_key", "private_key": key}
    return str(ok(inv.call("POST", f"{API}/credentials", who, json=body), 201)["id"])


def stored_host(inv: Inventory, name: str, ip: str, credential_id: str, project: str = "p1", **extra: Any) -> str:
    """A host as a successful registration stores it, without SSH."""
    host_id = new_id()

    async def insert() -> None:
        db = Database(inv.settings.resolved_database_url, "inventory")
        try:
            async with db.transaction() as session:
                session.add(Host(id=host_id, project_id=project, name=name, ip=ip, port=22,
                                 credential_id=credential_id, status="ready", **extra))  # fmt: skip
        finally:
            await db.dispose()

    asyncio.run(insert())
    return host_id


def host_names(inv: Inventory, who: Any = ALICE, project: str = "p1") -> list[str]:
    return [h["name"] for h in ok(inv.call("GET", f"{API}/hosts", who, params={"project_id": project}))["items"]]


def credentials_named(inv: Inventory, name: str) -> list[dict[str, Any]]:
    items = ok(inv.call("GET", f"{API}/credentials", ALICE, params={"project_id": "p1"}))["items"]
    return [c for c in items if c["name"] == name]


def registration(key: str, *hosts: tuple[str, str, int], name: str = "vm-key") -> dict[str, Any]:
    return {
        "project_id": "p1",
        "owner": "cluster:c1",
        "credential": {"name": name, "username": "root", "private_key": key},
        "hosts": [{"name": n, "ip": ip, "port": port} for n, ip, port in hosts],
    }


def test_registration_refusals_without_ssh(inventory: Inventory) -> None:
    key = ed25519_openssh()
    # A host registered by an earlier try is returned as it is; the next one, unreachable, is refused
    # naming it, and the first stays. The credential is created once and reused on the retry.
    closed = free_port()
    for _ in range(2):
        r = call(inventory, "POST", "/hosts", json=registration(key, ("vm-1", "127.0.0.1", closed)))
        assert r.status_code == 422 and fields(r) == {"hosts[0].port"}, r.text
        assert "Host vm-1 (127.0.0.1)" in r.json()["detail"] and "refused the connection" in r.json()["detail"]
    [cred] = credentials_named(inventory, "vm-key")
    assert cred["auth_type"] == "private_key" and "cluster:c1" in cred["description"]
    first = stored_host(inventory, "vm-1", "127.0.0.1", cred["id"])
    r = call(
        inventory, "POST", "/hosts", json=registration(key, ("vm-1", "127.0.0.1", 22), ("vm-2", "127.0.0.1", closed))
    )
    assert r.status_code == 422 and fields(r) == {"hosts[1].port"} and "Host vm-2" in r.json()["detail"], r.text
    assert host_names(inventory) == ["vm-1"]
    got = ok(call(inventory, "POST", "/hosts", json=registration(key, ("vm-1", "127.0.0.1", 22))))
    assert got == {"credential_id": cred["id"], "hosts": [{"name": "vm-1", "ip": "127.0.0.1", "host_id": first,
                                                           "status": "ready"}]}  # fmt: skip

    # The same name at another address is the public API's refusal, about that host.
    r = call(inventory, "POST", "/hosts", json=registration(key, ("vm-1", "127.0.0.9", 22)))
    assert r.status_code == 409 and fields(r) == {"hosts[0].name"} and "Host vm-1" in r.json()["detail"], r.text
    # A credential of that name holding another key is not silently reused.
    r = call(inventory, "POST", "/hosts", json=registration(ed25519_openssh(), ("vm-1", "127.0.0.1", 22)))
    assert r.status_code == 409 and fields(r) == {"credential.name"}, r.text
    r = call(inventory, "POST", "/hosts", json=registration("not a key", ("vm-3", "127.0.0.1", 22), name="k2"))
    assert r.status_code == 422 and fields(r) == {"credential.private_key"}, r.text
    r = call(inventory, "POST", "/hosts", json=registration(key, ("vm-3", "127.0.0.1", 22)) | {"project_id": "nope"})
    assert r.status_code == 422 and fields(r) == {"project_id"}, r.text
    r = call(inventory, "POST", "/hosts", json=registration(key) | {"extra": 1})
    assert r.status_code == 422 and fields(r) == {"hosts", "extra"}, r.text


def test_forget_is_idempotent_and_refuses_hosts_in_a_cluster(inventory: Inventory) -> None:
    cred = credential(inventory, "vm-key", ed25519_openssh())
    h1 = stored_host(inventory, "vm-1", "127.0.0.1", cred)
    h2 = stored_host(inventory, "vm-2", "127.0.0.2", cred, cluster_id="c1")
    theirs = stored_host(inventory, "bobs", "127.0.0.3", credential(inventory, "k", ed25519_openssh(), "p3", BOB), "p3")
    forget = {"project_id": "p1", "host_ids": [h1, h2], "credential_id": cred}

    r = call(inventory, "POST", "/hosts/forget", json=forget)
    assert r.status_code == 409 and "vm-2" in r.json()["detail"] and "c1" in r.json()["detail"], r.text
    assert host_names(inventory) == ["vm-1", "vm-2"]  # all or nothing

    ok(inventory.call("POST", "/internal/hosts/release", service_identity("deployment"), json={"cluster_id": "c1"}))
    # Unknown ids and hosts of another project are skipped; the credential goes once no host uses it.
    r = call(inventory, "POST", "/hosts/forget", json=forget | {"host_ids": [h1, "no-such-host", theirs]})
    assert ok(r) == {"deleted": [h1]}
    assert len(credentials_named(inventory, "vm-key")) == 1  # vm-2 still logs in with it
    assert ok(call(inventory, "POST", "/hosts/forget", json=forget)) == {"deleted": [h2]}
    assert host_names(inventory) == [] and credentials_named(inventory, "vm-key") == []
    assert ok(call(inventory, "POST", "/hosts/forget", json=forget)) == {"deleted": []}
    assert host_names(inventory, BOB, "p3") == ["bobs"]


# --- hosts over real SSH ---------------------------------------------------------------------------


@dataclass
class Sshd:
    port: int
    root: Path
    proc: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def vm_key() -> str:
    return ed25519_openssh()


@pytest.fixture(scope="module")
def sshd(vm_key: str) -> Iterator[Sshd]:
    """OpenSSH's sshd on 127.0.0.1 and 127.0.0.2, letting root in with ``vm_key`` only: two 'VMs'."""
    if not SSHD.exists() or shutil.which("ssh-keygen") is None:
        pytest.skip("OpenSSH's sshd is missing: `make sysdeps` installs openssh-server")
    root = Path(tempfile.mkdtemp(prefix="ko-vm-sshd-"))
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(root / "host_key")], check=True)
    key_file = root / "vm_key"
    key_file.write_text(vm_key)
    key_file.chmod(0o600)
    public = subprocess.run(["ssh-keygen", "-y", "-f", str(key_file)], check=True, capture_output=True, text=True)
    (root / "authorized_keys").write_text(public.stdout)
    port = free_port()
    (root / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nListenAddress 127.0.0.2\nHostKey {root / 'host_key'}\n"
        f"PidFile {root / 'sshd.pid'}\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        f"PubkeyAuthentication yes\nAuthorizedKeysFile {root / 'authorized_keys'}\nStrictModes no\n"
        "PermitRootLogin prohibit-password\nAllowUsers root\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation directory sshd insists on
    log = (root / "sshd.log").open("ab")
    proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(root / "sshd_config")], stderr=log)
    try:
        wait_port(port, proc=proc)
        wait_port(port, proc=proc, host="127.0.0.2")
        yield Sshd(port, root, proc)
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the SSH path does not depend on the database
def test_vms_registered_over_ssh_then_forgotten(inventory: Inventory, sshd: Sshd, vm_key: str) -> None:
    vms = [("vm-1", "127.0.0.1", sshd.port), ("vm-2", "127.0.0.2", sshd.port)]
    got = ok(call(inventory, "POST", "/hosts", json=registration(vm_key, *vms)))
    assert [(h["name"], h["ip"], h["status"]) for h in got["hosts"]] == [("vm-1", "127.0.0.1", "ready"),
                                                                         ("vm-2", "127.0.0.2", "ready")]  # fmt: skip
    for h in got["hosts"]:
        public = ok(inventory.call("GET", f"{API}/hosts/{h['host_id']}", ALICE))
        assert public["credential_id"] == got["credential_id"] and public["become"] == "root"
        assert public["host_key"]["fingerprint"] and public["facts"]["cpus"] >= 1

    # A retry after a crash returns the same hosts; a VM that does not answer is refused, naming it,
    # and the ones before it stay.
    assert ok(call(inventory, "POST", "/hosts", json=registration(vm_key, *vms))) == got
    r = call(inventory, "POST", "/hosts", json=registration(vm_key, *vms, ("vm-3", "127.0.0.3", sshd.port)))
    assert r.status_code == 422 and fields(r) == {"hosts[2].port"} and "Host vm-3" in r.json()["detail"], r.text
    assert host_names(inventory) == ["vm-1", "vm-2"]

    forget = {
        "project_id": "p1",
        "host_ids": [h["host_id"] for h in got["hosts"]],
        "credential_id": got["credential_id"],
    }
    assert ok(call(inventory, "POST", "/hosts/forget", json=forget)) == {"deleted": forget["host_ids"]}
    assert host_names(inventory) == [] and credentials_named(inventory, "vm-key") == []
