"""Builders and readers for the regions, zones, plans and IP pools tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tests.inventory.support import ALICE, Inventory

API = "/api/v1"
REGION_PASSWORD = "Cl0ud-api-pa55word-only-in-tests"
VSPHERE_ZONE = {"cluster": "c1", "datastore": "ds1", "template": "ubuntu-22.04", "network": "VM Network"}
OPENSTACK_ZONE = {"availability_zone": "nova", "network": "private", "image": "ubuntu-22.04"}
VSPHERE_SIZE = {"cpus": 4, "memory_gib": 8, "disk_gib": 50}
_subnets = itertools.count(1)


def ok(resp: Any, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    return resp.json()


def region_body(name: str = "dc1", provider: str = "vsphere", project: str = "p1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project_id": project,
        "name": name,
        "provider": provider,
        "endpoint": "https://vcenter.example.local" if provider == "vsphere" else "https://keystone.example:5000/v3",
        "datacenter": "Datacenter" if provider == "vsphere" else "RegionOne",
        "username": "administrator@vsphere.local" if provider == "vsphere" else "admin",
        "password": REGION_PASSWORD,
    }
    if provider == "openstack":
        body |= {"project_name": "admin", "domain_name": "Default"}
    return body | extra


def loopback_subnet() -> str:
    """A fresh /24 in 127.0.0.0/8: addresses only loopback ever answers for."""
    n = next(_subnets)
    return f"127.{100 + n // 256}.{n % 256}.0/24"


def pool_body(
    name: str = "pool1", project: str = "p1", subnet: str | None = None, first: int = 10, last: int = 20, **extra: Any
) -> dict[str, Any]:
    subnet = subnet or loopback_subnet()
    base = subnet.rsplit(".", 1)[0]
    return {
        "project_id": project,
        "name": name,
        "subnet": subnet,
        "gateway": f"{base}.1",
        "dns": [f"{base}.2"],
        "ranges": [{"start": f"{base}.{first}", "end": f"{base}.{last}"}],
    } | extra


def make(inv: Inventory, kind: str, body: dict[str, Any], who: Any = ALICE) -> dict[str, Any]:
    out: dict[str, Any] = ok(inv.call("POST", f"{API}/{kind}", who, json=body), 201)
    return out


def make_zone(
    inv: Inventory, region: dict[str, Any], pool: dict[str, Any], name: str, **settings: Any
) -> dict[str, Any]:
    base = VSPHERE_ZONE if region["provider"] == "vsphere" else OPENSTACK_ZONE
    body = {
        "project_id": region["project_id"],
        "name": name,
        "region_id": region["id"],
        "ip_pool_id": pool["id"],
        "provider_settings": base | settings,
    }
    return make(inv, "zones", body)


def raw_rows(inv: Inventory, tables: tuple[str, ...]) -> bytes:
    """The stored rows of ``tables`` and the outbox (SQLite: the whole database files)."""
    if inv.postgres is None:
        return inv.raw_database()
    dbname = inv.database_url.rsplit("/", 1)[1]
    # Table names from the tests themselves, never from input.
    sql = " UNION ALL ".join(f"SELECT t::text FROM inventory.{t} t" for t in (*tables, "outbox"))  # noqa: S608
    return inv.postgres.psql(sql, database=dbname).encode()


async def events(nats_url: str, subjects: str, subject_ids: set[str], want: int, timeout: float = 15) -> list[Any]:
    """Envelopes on ``subjects`` about ``subject_ids``, as (NATS subject, raw bytes, envelope), oldest first."""
    nc = await nats.connect(nats_url)
    found: list[Any] = []
    try:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
        sub = await nc.jetstream().pull_subscribe(subjects, stream="KO_EVENTS", config=config)
        deadline = asyncio.get_running_loop().time() + timeout
        while len(found) < want and asyncio.get_running_loop().time() < deadline:
            try:
                msgs = await sub.fetch(batch=200, timeout=1)
            except NatsTimeout:
                continue
            for msg in msgs:
                env = json.loads(msg.data)
                if env["subject"] in subject_ids:
                    found.append((msg.subject, msg.data, env))
    finally:
        await nc.close()
    return found
