"""Hosts on real lab hosts over real SSH: registration, checks, facts, host keys, bulk, refusals.

The inventory service runs for real (uvicorn, NATS, SQLite); the hosts are the lab's systemd-nspawn
machines. Tests that change a host (stop sshd, new host keys) put it back before they end.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
import yaml
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ko_common.identity import Identity
from tests.inventory.support import ADMIN, ALICE, CAROL, Inventory, fields
from tests.lab.lab import Host, Lab
from tests.lab.sshutil import ssh_root

pytestmark = pytest.mark.lab
URL = "/api/v1/hosts"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the SSH paths do not depend on the database (PostgreSQL runs the API tests)."""
    return f"sqlite+aiosqlite:///{tmp_path}/inventory.db"


class Creds:
    def __init__(self, inv: Inventory, lab: Lab) -> None:
        self.inv = inv
        host = lab.hosts[0]
        self.password = self._make(
            {"name": "ko-pw", "username": host.user, "auth_type": "password", "password": host.password}
        )
        self.key = self._make(
            {"name": "root-key", "username": "root", "auth_type": "private_key",
             "private_key": Path(host.key_path).read_text()}
        )  # fmt: skip

    def _make(self, body: dict[str, Any]) -> str:
        r = self.inv.call("POST", "/api/v1/credentials", ALICE, json={"project_id": "p1", **body})
        assert r.status_code == 201, r.text
        return str(r.json()["id"])


@pytest.fixture
def creds(inventory: Inventory, lab: Lab) -> Creds:
    return Creds(inventory, lab)


def register(inv: Inventory, host: Host, credential_id: str, who: Identity = ALICE, **extra: Any) -> Any:
    body = {"project_id": "p1", "name": host.name, "ip": host.ip, "credential_id": credential_id} | extra
    return inv.call("POST", URL, who, json=body)


def host_count(inv: Inventory) -> int:
    return int(inv.call("GET", URL, ADMIN).json()["total"])


def on_host(host: Host, command: str) -> str:
    r = ssh_root(host, command)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_register_with_a_password_and_with_a_key_then_check(inventory: Inventory, lab: Lab, creds: Creds) -> None:
    a, b = lab.hosts[0], lab.hosts[1]
    r = register(inventory, a, creds.password)
    assert r.status_code == 201, r.text
    by_password = r.json()
    assert by_password["status"] == "ready"
    assert by_password["become"] == "sudo_password"  # user ko, sudo with its password
    assert by_password["host_key"]["fingerprint"].startswith("SHA256:")

    r = register(inventory, b, creds.key)
    assert r.status_code == 201, r.text
    assert r.json()["become"] == "root"

    for host in (by_password, r.json()):
        checked = inventory.call("POST", f"{URL}/{host['id']}/check", ALICE)
        assert checked.status_code == 200, checked.text
        assert checked.json()["status"] == "ready"
        assert checked.json()["checked_at"] >= host["checked_at"]
    # The recorded host key is the one the host has.
    on_disk = on_host(a, "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub").split()[1]
    assert by_password["host_key"]["fingerprint"] == on_disk
    # A read-only member sees the host but may not check it.
    assert inventory.call("GET", f"{URL}/{by_password['id']}", CAROL).status_code == 200
    assert inventory.call("POST", f"{URL}/{by_password['id']}/check", CAROL).status_code == 403


def test_facts_match_what_the_host_reports(inventory: Inventory, lab: Lab, creds: Creds) -> None:
    host = lab.hosts[2]
    # Something listening on the API server's port, which the deploy would need.
    on_host(host, "systemd-run --unit=ko-test-6443 python3 -m http.server 6443 >/dev/null 2>&1; sleep 0.5")
    try:
        r = register(inventory, host, creds.key)
        assert r.status_code == 201, r.text
        facts = r.json()["facts"]
    finally:
        on_host(host, "systemctl stop ko-test-6443 || true")
    assert facts["hostname"] == on_host(host, "hostname") == host.name
    assert facts["kernel"] == on_host(host, "uname -r")
    assert facts["arch"] == on_host(host, "uname -m")
    assert facts["cpus"] == int(on_host(host, "nproc"))
    mem_kib = int(on_host(host, "awk '/^MemTotal:/ {print $2}' /proc/meminfo"))
    assert facts["memory_bytes"] == mem_kib * 1024
    assert facts["os"]["id"] == "debian" and facts["os"]["version_id"] == "12" and facts["os"]["supported"]
    assert facts["os"]["family"] == "debian"
    assert {"interface": "eth0", "address": host.ip, "prefix": 24, "family": "ipv4"} in facts["addresses"]
    assert facts["swap_on"] is (on_host(host, "tail -n +2 /proc/swaps") != "")
    assert {"protocol": "tcp", "port": 6443, "purpose": "kube-apiserver"} in facts["ports_in_use"]
    assert abs(facts["time_offset_ms"]) < 1000  # the lab's hosts share this machine's clock
    assert facts["disks"] and all(d["size_bytes"] > 0 for d in facts["disks"])


def test_a_stopped_sshd_shows_in_status_and_error(inventory: Inventory, lab: Lab, creds: Creds) -> None:
    host = lab.hosts[1]
    r = register(inventory, host, creds.key)
    assert r.status_code == 201, r.text
    host_id = r.json()["id"]
    on_host(host, "systemctl stop ssh.socket ssh.service 2>/dev/null; systemctl stop ssh")
    try:
        checked = inventory.call("POST", f"{URL}/{host_id}/check", ALICE).json()
        assert checked["status"] == "unreachable"
        assert "refused the connection" in checked["status_message"] and "sshd" in checked["status_message"]
        listed = inventory.call("GET", URL, ALICE, params={"project_id": "p1", "status": "unreachable"}).json()
        assert [h["id"] for h in listed["items"]] == [host_id]
        assert checked["facts"] is not None  # the last facts are kept, with their time
    finally:
        lab.restart_sshd(host)
    assert inventory.call("POST", f"{URL}/{host_id}/check", ALICE).json()["status"] == "ready"


@pytest.fixture
def rekeyed(lab: Lab) -> Iterator[Host]:
    """A host that will get new SSH host keys during the test; its old keys are restored after."""
    host = lab.hosts[3] if len(lab.hosts) > 3 else lab.hosts[0]
    on_host(host, "mkdir -p /root/keys.saved && cp -a /etc/ssh/ssh_host_* /root/keys.saved/")
    try:
        yield host
    finally:
        on_host(host, "cp -a /root/keys.saved/ssh_host_* /etc/ssh/ && rm -rf /root/keys.saved")
        lab.restart_sshd(host)


def test_a_changed_host_key_is_refused_until_an_admin_accepts_it(
    inventory: Inventory, lab: Lab, creds: Creds, rekeyed: Host
) -> None:
    r = register(inventory, rekeyed, creds.password)
    assert r.status_code == 201, r.text
    host = r.json()
    on_host(rekeyed, "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null")
    lab.restart_sshd(rekeyed)
    new_fp = on_host(rekeyed, "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub").split()[1]

    checked = inventory.call("POST", f"{URL}/{host['id']}/check", ALICE).json()
    assert checked["status"] == "host_key_changed"
    assert host["host_key"]["fingerprint"] in checked["status_message"] and new_fp in checked["status_message"]
    assert checked["host_key"] == {"fingerprint": host["host_key"]["fingerprint"], "pending_fingerprint": new_fp}
    # Still refused on the next check: nothing changes by itself.
    assert inventory.call("POST", f"{URL}/{host['id']}/check", ALICE).json()["status"] == "host_key_changed"

    accept = f"{URL}/{host['id']}/host-key/accept"
    assert inventory.call("POST", accept, ALICE, json={"fingerprint": new_fp}).status_code == 403  # not an admin
    wrong = inventory.call("POST", accept, ADMIN, json={"fingerprint": host["host_key"]["fingerprint"]})
    assert wrong.status_code == 422 and fields(wrong) == {"fingerprint"}
    accepted = inventory.call("POST", accept, ADMIN, json={"fingerprint": new_fp})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "ready"
    assert accepted.json()["host_key"] == {"fingerprint": new_fp, "pending_fingerprint": None}
    again = inventory.call("POST", accept, ADMIN, json={"fingerprint": new_fp})
    assert again.status_code == 409


def test_bulk_import_of_six_hosts_then_check_them_all(inventory: Inventory, lab: Lab, creds: Creds) -> None:
    assert len(lab.hosts) >= 6, "run the lab with 6 hosts (KO_LAB_HOSTS=6, the fixture's default)"
    hosts = lab.hosts[:6]
    csv_text = "name,ip,port,credential\n" + "".join(
        f"{h.name},{h.ip},22,{'root-key' if i % 2 else creds.password}\n" for i, h in enumerate(hosts)
    )
    r = inventory.call(
        "POST", f"{URL}/import", ALICE, params={"project_id": "p1"}, content=csv_text,
        headers={"content-type": "text/csv"},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["registered"], report["failed"]) == (6, 0), report
    assert [row["name"] for row in report["rows"]] == [h.name for h in hosts]

    t0 = time.monotonic()
    r = inventory.call("POST", f"{URL}/checks", ALICE, json={"project_id": "p1"})
    assert r.status_code == 200, r.text
    assert (r.json()["ready"], r.json()["failed"]) == (6, 0)
    assert time.monotonic() - t0 < 30


def test_yaml_import_reports_every_bad_row_and_stores_nothing(inventory: Inventory, lab: Lab, creds: Creds) -> None:
    rows = [
        {"name": "good", "ip": lab.hosts[0].ip, "credential": "root-key"},
        {"name": "bad ip", "ip": "10.0.0.300", "credential": "root-key"},
        {"name": "nocred", "ip": lab.hosts[1].ip, "credential": "missing"},
        {"name": "good", "ip": lab.hosts[2].ip, "port": 70000, "credential": "root-key"},
    ]
    r = inventory.call(
        "POST", f"{URL}/import", ALICE, params={"project_id": "p1"}, content=yaml.safe_dump({"hosts": rows}),
        headers={"content-type": "application/yaml"},
    )  # fmt: skip
    assert r.status_code == 422, r.text
    named = {f["field"] for f in r.json()["fields"]}
    assert {"rows[2].name", "rows[2].ip", "rows[3].credential", "rows[4].port"} <= named, named
    assert host_count(inventory) == 0


def test_bad_input_is_refused_naming_the_field_and_stores_nothing(inventory: Inventory, lab: Lab, creds: Creds) -> None:
    host = lab.hosts[0]
    # An address in the lab's range where nothing runs: refused in seconds, not minutes.
    silent = host.ip.rsplit(".", 1)[0] + ".250"
    t0 = time.monotonic()
    r = inventory.call(
        "POST", URL, ALICE, json={"project_id": "p1", "name": "ghost", "ip": silent, "credential_id": creds.key}
    )
    assert r.status_code == 422 and fields(r) == {"ip"}, r.text
    assert time.monotonic() - t0 < 15
    assert silent in r.json()["detail"]

    wrong = {"project_id": "p1", "name": "wrong-pw", "username": host.user, "auth_type": "password", "password": "x"}
    r = inventory.call("POST", "/api/v1/credentials", ALICE, json=wrong)
    wrong_pw = r.json()["id"]
    r = register(inventory, host, wrong_pw)
    assert r.status_code == 422 and fields(r) == {"credential_id"}, r.text
    assert "refused the login" in r.json()["detail"]

    from tests.inventory.support import ed25519_openssh

    r = inventory.call("POST", "/api/v1/credentials", ALICE, json={
        "project_id": "p1", "name": "wrong-key", "username": "root", "auth_type": "private_key",
        "private_key": ed25519_openssh()})  # fmt: skip
    r = register(inventory, host, r.json()["id"])
    assert r.status_code == 422 and fields(r) == {"credential_id"}, r.text

    r = register(inventory, host, creds.key, port=2)  # nothing listens there
    assert r.status_code == 422 and fields(r) == {"port"}, r.text
    assert host_count(inventory) == 0

    assert register(inventory, host, creds.key).status_code == 201
    duplicate = register(inventory, host, creds.key, name="again")
    assert duplicate.status_code == 409 and fields(duplicate) == {"ip"}, duplicate.text
    assert host_count(inventory) == 1


def test_a_host_in_a_cluster_cannot_be_deleted(inventory: Inventory, lab: Lab, creds: Creds) -> None:
    r = register(inventory, lab.hosts[0], creds.key)
    host_id = r.json()["id"]
    claim = {"cluster_id": "c-1", "project_id": "p1", "host_ids": [host_id]}
    assert inventory.call("POST", "/internal/hosts/claim", ALICE, json=claim).status_code == 200
    other = inventory.call("POST", "/internal/hosts/claim", ALICE, json=claim | {"cluster_id": "c-2"})
    assert other.status_code == 409 and "c-1" in other.json()["detail"]
    refused = inventory.call("DELETE", f"{URL}/{host_id}", ALICE)
    assert refused.status_code == 409 and "c-1" in refused.json()["detail"]
    used = inventory.call("DELETE", f"/api/v1/credentials/{creds.key}", ALICE)
    assert used.status_code == 409  # hosts log in with it
    assert inventory.call("POST", "/internal/hosts/release", ALICE, json={"cluster_id": "c-1"}).status_code == 200
    assert inventory.call("DELETE", f"{URL}/{host_id}", ALICE).status_code == 204


async def test_host_events_carry_no_secret(inventory: Inventory, lab: Lab, creds: Creds, nats_server: Any) -> None:
    host = lab.hosts[0]
    made = register(inventory, host, creds.password).json()
    inventory.call("POST", f"{URL}/{made['id']}/check", ALICE)
    inventory.call("PATCH", f"{URL}/{made['id']}", ALICE, json={"name": "renamed"})
    assert inventory.call("DELETE", f"{URL}/{made['id']}", ALICE).status_code == 204

    nc = await nats.connect(nats_server.url)
    found: dict[str, dict[str, Any]] = {}
    try:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
        sub = await nc.jetstream().pull_subscribe("ko.inventory.host.>", stream="KO_EVENTS", config=config)
        deadline = asyncio.get_running_loop().time() + 15
        while len(found) < 4 and asyncio.get_running_loop().time() < deadline:
            try:
                msgs = await sub.fetch(batch=100, timeout=1)
            except NatsTimeout:
                continue
            for msg in msgs:
                env = json.loads(msg.data)
                if env["subject"] == made["id"]:
                    assert host.password.encode() not in msg.data
                    found[msg.subject] = env
    finally:
        await nc.close()
    verbs = ("registered", "checked", "updated", "deleted")
    assert set(found) == {f"ko.inventory.host.{v}" for v in verbs}
    registered = found["ko.inventory.host.registered"]["data"]
    assert registered["ip"] == host.ip and registered["status"] == "ready"
    assert registered["host_key_fingerprint"] == made["host_key"]["fingerprint"]
    assert registered["os"] == "Debian GNU/Linux 12 (bookworm)" and registered["cpus"] >= 1
    assert found["ko.inventory.host.updated"]["data"]["name"] == "renamed"
    assert host.password.encode() not in inventory.raw_database()
