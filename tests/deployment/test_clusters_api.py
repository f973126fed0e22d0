"""The clusters API (Day-0 plan) on SQLite and PostgreSQL, with the real inventory service behind it.

No lab here: the hosts are inventory rows written by the test (as registration would leave them,
with facts), and the deployment service runs no worker, so a planned cluster's deploy stays queued.
The deploy itself runs in test_operations_lab.py.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from ko_common.db import new_id, utcnow
from ko_common.identity import Identity
from ko_deployment.app import DeploymentSettings
from ko_deployment.app import create_app as create_deployment
from ko_deployment.packages.models import OfflinePackage
from ko_inventory.app import InventorySettings
from ko_inventory.app import create_app as create_inventory
from ko_inventory.hosts.models import Host
from tests.inventory.support import announce, wait_known
from tests.support.procs import NatsServer
from tests.support.serve import identity_headers, served

KEY = "c" * 32
PM = Identity("u-pm", "pm", projects={"pc1": "project-manager"})
RO = Identity("u-ro", "ro", projects={"pc1": "read-only"})
OUTSIDER = Identity("u-out", "out", projects={"pc2": "project-manager"})
URL = "/api/v1/clusters"


@dataclass
class World:
    deployment: str
    inventory: str
    http: httpx.Client
    hosts: list[str]
    dep_sync_url: str

    def call(self, method: str, path: str, who: Identity = PM, service: str = "deployment", **kw: Any) -> Any:
        base = self.deployment if service == "deployment" else self.inventory
        return self.http.request(method, base + path, headers=identity_headers(who, KEY.encode(), service), **kw)


def sync_url(database_url: str) -> str:
    return database_url.replace("+aiosqlite", "").replace("+asyncpg", "+psycopg") if "sqlite" in database_url else ""


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: rows are seeded through it here; the SQL paths run on PostgreSQL in the other suites."""
    return f"sqlite+aiosqlite:///{tmp_path}/deployment.db"


@pytest.fixture
def world(tmp_path: Path, database_url: str, nats_server: NatsServer) -> Iterator[World]:
    inv_url = f"sqlite+aiosqlite:///{tmp_path}/inventory.db"
    inv = InventorySettings(
        data_dir=tmp_path / "inv", database_url=inv_url, nats_url=nats_server.url, identity_key=KEY,
        secret_key=base64.b64encode(b"s" * 32).decode(),
    )  # fmt: skip
    with served(create_inventory(inv)) as inventory, httpx.Client(timeout=30, trust_env=False) as http:
        asyncio.run(announce(nats_server.url, "created", "pc1", "pc2"))
        asyncio.run(wait_known(inv.resolved_database_url, ("pc1", "pc2")))
        dep = DeploymentSettings(
            data_dir=tmp_path / "dep", database_url=database_url, nats_url=nats_server.url, identity_key=KEY,
            inventory_url=inventory, workers=0, playbooks_dir=Path(__file__).parent / "playbooks",
        )  # type: ignore[call-arg]  # fmt: skip
        with served(create_deployment(dep)) as deployment:
            w = World(deployment, inventory, http, [], sync_url(database_url))
            cred_body = {"project_id": "pc1", "name": "root", "username": "root", "auth_type": "password",
                         "password": "x1"}  # fmt: skip
            cred = w.call("POST", "/api/v1/credentials", service="inventory", json=cred_body)
            assert cred.status_code == 201, cred.text
            w.hosts = seed_hosts(inv_url, cred.json()["id"], 5)
            seed_package(w.dep_sync_url, "1.36.0")
            yield w


def seed_hosts(database_url: str, credential_id: str, n: int) -> list[str]:
    ids = []
    engine = create_engine(sync_url(database_url))
    with Session(engine) as session, session.begin():
        for i in range(n):
            ip = f"10.1.0.{11 + i}"
            facts = {"os": {"id": "debian", "version_id": "12", "supported": True}, "cpus": 2,
                     "addresses": [{"interface": "eth0", "address": ip, "prefix": 24, "family": "ipv4"}]}  # fmt: skip
            host = Host(
                id=new_id(), project_id="pc1", name=f"node{i + 1}", ip=ip, port=22, credential_id=credential_id,
                status="ready" if i < 4 else "unreachable", status_message="seeded", facts=facts, facts_at=utcnow(),
            )  # fmt: skip
            session.add(host)
            ids.append(host.id)
    engine.dispose()
    return ids


def seed_package(database_url: str, version: str, etcd: str = "3.6.8", **manifest_fields: Any) -> None:
    """A ready package row of ``version`` (amd64) carrying ``etcd`` (kubeadm 1.36's own, by default)."""
    engine = create_engine(database_url)
    manifest = {"apiVersion": "kubeoperator.io/package/v1", "kubernetesVersion": version, "arch": "amd64",
                "components": {"etcd": etcd}, "artifacts": [], **manifest_fields}  # fmt: skip
    with Session(engine) as session, session.begin():
        session.add(OfflinePackage(
            id=new_id(), version=version, arch="amd64", status="ready", source="/seeded", manifest=manifest,
            size=0, artifact_count=0, imported_by="test", imported_at=utcnow()))  # fmt: skip
    engine.dispose()


def body(w: World, **extra: Any) -> dict[str, Any]:
    return {
        "project_id": "pc1", "name": "prod", "version": "1.36.0", "topology": "single",
        "nodes": [{"host_id": w.hosts[0], "role": "master"}, {"host_id": w.hosts[1], "role": "worker"}],
    } | extra  # fmt: skip


def named(r: Any) -> set[str]:
    out = {f["field"] for f in r.json().get("fields", [])}
    return out | ({r.json()["field"]} if r.json().get("field") else set())


def test_bad_plans_are_refused_naming_each_field(world: World) -> None:
    w = world
    cases: list[tuple[dict[str, Any], set[str]]] = [
        (body(w, version="1.20.0"), {"version"}),
        (body(w, topology="ha"), {"nodes"}),
        (body(w, nodes=[{"host_id": w.hosts[0], "role": "master"}, {"host_id": "nope", "role": "worker"}]),
         {"nodes[1].host_id"}),
        (body(w, nodes=[{"host_id": w.hosts[4], "role": "master"}]), {"nodes[0].host_id"}),  # unreachable
        (body(w, nodes=[{"host_id": w.hosts[0], "role": "master"}, {"host_id": w.hosts[0], "role": "worker"}]),
         {"nodes[1].host_id"}),
        (body(w, network={"pod_cidr": "10.1.0.0/16"}), {"network.pod_cidr"}),  # the hosts' network
        (body(w, network={"pod_cidr": "10.96.0.0/16"}), {"network.service_cidr"}),  # inside the service range
        (body(w, network={"pod_cidr": "10.244.0.1/16"}), {"network.pod_cidr"}),
        (body(w, load_balancer={"mode": "external", "vip": "192.168.9.9"}), {"load_balancer.vip"}),
        (body(w, load_balancer={"mode": "external", "vip": "10.1.0.12"}), {"load_balancer.vip"}),  # a host's
        (body(w, load_balancer={"mode": "external"}), {"load_balancer.vip"}),
        (body(w, name="Prod_1"), {"name"}),
        (body(w, storage={"provisioner": "nfs"}), {"storage.nfs_server", "storage.nfs_path"}),
        (body(w, load_balancer={"mode": "internal", "vip": "10.1.0.200"}), {"load_balancer.vip"}),
        (body(w, f5={"enabled": True}), {"f5.url"}),
    ]  # fmt: skip
    for plan, fields in cases:
        r = w.call("POST", URL, json=plan)
        assert r.status_code == 422, (plan, r.text)
        assert fields <= named(r), (plan, r.json())
    assert w.call("GET", URL, params={"project_id": "pc1"}).json()["total"] == 0
    hosts = w.call("GET", "/api/v1/hosts", service="inventory", params={"project_id": "pc1"}).json()["items"]
    assert all(h["cluster_id"] is None for h in hosts), "a refused plan claims no host"


def test_a_plan_claims_its_hosts_and_queues_the_deploy(world: World) -> None:
    w = world
    assert w.call("POST", URL, RO, json=body(w)).status_code == 403
    assert w.call("POST", URL, OUTSIDER, json=body(w)).status_code == 404
    vip = {"mode": "external", "vip": "10.1.0.200"}
    r = w.call("POST", URL, json=body(w, load_balancer=vip))
    assert r.status_code == 201, r.text
    cluster = r.json()
    assert (cluster["status"], cluster["version"], len(cluster["nodes"])) == ("deploying", "1.36.0", 2)
    assert cluster["operation"]["kind"] == "deploy" and cluster["operation"]["status"] == "queued"
    assert cluster["operation"]["phases_total"] == 3 and cluster["has_kubeconfig"] is False
    assert cluster["spec"]["load_balancer"] == {"mode": "external", "vip": "10.1.0.200", "port": 8443}

    hosts = {h["id"]: h for h in w.call("GET", "/api/v1/hosts", service="inventory").json()["items"]}
    assert hosts[w.hosts[0]]["cluster_id"] == cluster["id"] and hosts[w.hosts[2]]["cluster_id"] is None
    # The same hosts cannot join another cluster; the name is taken.
    again = w.call("POST", URL, json=body(w, name="second"))
    assert again.status_code == 422 and {"nodes[0].host_id", "nodes[1].host_id"} <= named(again)
    assert w.call("POST", URL, json=body(w)).status_code == 409
    # Readable by members, the kubeconfig only once the deploy collected it.
    assert w.call("GET", f"{URL}/{cluster['id']}", RO).status_code == 200
    assert w.call("GET", f"{URL}/{cluster['id']}", OUTSIDER).status_code == 404
    assert w.call("GET", f"{URL}/{cluster['id']}/kubeconfig").status_code == 409
    assert w.call("GET", f"{URL}/{cluster['id']}/kubeconfig", RO).status_code == 403
    op = w.call("GET", f"/api/v1/operations/{cluster['operation']['id']}").json()
    assert [p["name"] for p in op["phases"]] == ["one", "two", "three"] and op["cluster_id"] == cluster["id"]


def test_delete_resets_first_or_forgets_at_once_with_force(world: World) -> None:
    w = world
    made = w.call("POST", URL, json=body(w, name="gone")).json()
    # Busy: its deploy is queued (no worker here).
    busy = w.call("DELETE", f"{URL}/{made['id']}")
    assert busy.status_code == 409 and made["operation"]["id"] in busy.json()["detail"]
    assert w.call("POST", f"/api/v1/operations/{made['operation']['id']}/cancel").status_code == 200
    cancelled = w.call("GET", f"{URL}/{made['id']}").json()
    assert cancelled["status"] == "failed" and "cancelled" in cancelled["status_message"]
    assert w.call("DELETE", f"{URL}/{made['id']}", RO).status_code == 403

    reset = w.call("DELETE", f"{URL}/{made['id']}")
    assert reset.status_code == 202, reset.text
    assert reset.json()["status"] == "terminating" and reset.json()["operation"]["kind"] == "reset"
    assert w.call("POST", f"/api/v1/operations/{reset.json()['operation']['id']}/cancel").status_code == 200

    assert w.call("DELETE", f"{URL}/{made['id']}", params={"force": "true"}).status_code == 204
    assert w.call("GET", f"{URL}/{made['id']}").status_code == 404
    hosts = {h["id"]: h for h in w.call("GET", "/api/v1/hosts", service="inventory").json()["items"]}
    assert hosts[w.hosts[0]]["cluster_id"] is None, "the hosts are free again"
