"""IP pools served for real, on SQLite and PostgreSQL: layout checks, addresses, allocation, release.

Network discipline: every pool that hands addresses out is in 127.0.0.0/8, and probing is off
unless a test turns it on, so nothing is ever sent beyond loopback.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from ko_inventory.ippools.probe import Prober
from tests.inventory.cloud_support import API, events, loopback_subnet, make, ok, pool_body
from tests.inventory.support import ADMIN, ALICE, BOB, CAROL, IDENTITY_KEY, Inventory, fields
from tests.support.serve import identity_headers

pytestmark = pytest.mark.inventory_settings(ip_probe_ports=[])
POOLS = f"{API}/ip-pools"


def addresses(inv: Inventory, pool_id: str, **params: Any) -> list[dict[str, Any]]:
    page = ok(inv.call("GET", f"{POOLS}/{pool_id}/addresses", ALICE, params={"limit": 1000} | params))
    items: list[dict[str, Any]] = page["items"]
    assert page["total"] == len(items)
    return items


def allocate(inv: Inventory, pool_id: str, count: int = 1, owner: str = "host-1") -> httpx.Response:
    return inv.call("POST", f"{POOLS}/{pool_id}/allocations", ALICE, json={"count": count, "owner": owner})


def test_pool_lifecycle_and_addresses(inventory: Inventory) -> None:
    subnet = loopback_subnet()
    base = subnet.rsplit(".", 1)[0]
    body = pool_body(
        subnet=subnet,
        dns=[f"{base}.12", "10.0.0.53"],
        ranges=[
            {"start": f"{base}.9", "end": f"{base}.9"},
            {"start": f"{base}.1", "end": f"{base}.5"},
            {"start": f"{base}.10", "end": f"{base}.14"},
        ],
    )
    pool = make(inventory, "ip-pools", body)
    # The gateway (.1) and the DNS server inside a range (.12) are never handed out.
    expected = [f"{base}.{i}" for i in (2, 3, 4, 5, 9, 10, 11, 13, 14)]
    assert (pool["size"], pool["counts"]) == (9, {"free": 9, "allocated": 0, "in_use": 0})
    assert [a["ip"] for a in addresses(inventory, pool["id"])] == expected
    assert ok(inventory.call("GET", f"{POOLS}/{pool['id']}", CAROL)) == pool
    assert ok(inventory.call("GET", POOLS, ALICE, params={"project_id": "p1"}))["items"] == [pool]

    got = ok(allocate(inventory, pool["id"], 3, "cluster-a"), 201)
    assert got == {"pool_id": pool["id"], "owner": "cluster-a", "addresses": expected[:3], "skipped_in_use": []}
    ok(allocate(inventory, pool["id"], 1, "host-9"), 201)
    allocated = addresses(inventory, pool["id"], status="allocated")
    assert [(a["ip"], a["owner"]) for a in allocated] == [(ip, "cluster-a") for ip in expected[:3]] + [
        (expected[3], "host-9")
    ]
    assert all(a["allocated_at"] and a["checked_at"] is None for a in allocated)  # probing is off here
    assert len(addresses(inventory, pool["id"], status="free")) == 5
    assert [a["ip"] for a in addresses(inventory, pool["id"], owner="host-9")] == [expected[3]]
    assert ok(inventory.call("GET", f"{POOLS}/{pool['id']}", ALICE))["counts"] == {
        "free": 5,
        "allocated": 4,
        "in_use": 0,
    }

    # Growing the pool adds free addresses; dropping allocated ones is refused, naming them.
    grown = ok(
        inventory.call(
            "PATCH", f"{POOLS}/{pool['id']}", ALICE, json={"ranges": [{"start": f"{base}.2", "end": f"{base}.30"}]}
        )
    )
    assert grown["size"] == 28 and grown["counts"]["allocated"] == 4
    shrink = inventory.call(
        "PATCH", f"{POOLS}/{pool['id']}", ALICE, json={"ranges": [{"start": f"{base}.4", "end": f"{base}.30"}]}
    )
    assert shrink.status_code == 409 and shrink.json()["field"] == "ranges"
    assert f"{base}.2 (cluster-a)" in shrink.json()["detail"]

    released = ok(inventory.call("POST", f"{POOLS}/{pool['id']}/releases", ALICE, json={"owner": "cluster-a"}))
    assert released == {"pool_id": pool["id"], "addresses": expected[:3]}
    again = ok(
        inventory.call("POST", f"{POOLS}/{pool['id']}/releases", ALICE, json={"addresses": [expected[3], expected[0]]})
    )
    assert again["addresses"] == [expected[3]]  # .2 was free already
    assert addresses(inventory, pool["id"], status="allocated") == []
    assert inventory.call("DELETE", f"{POOLS}/{pool['id']}", ALICE).status_code == 204
    assert inventory.call("GET", f"{POOLS}/{pool['id']}", ALICE).status_code == 404


def test_layout_errors_name_the_field(inventory: Inventory) -> None:
    def body(**changes: Any) -> dict[str, Any]:
        return pool_body(subnet="10.20.0.0/24") | changes

    r = [{"start": "10.20.0.10", "end": "10.20.0.20"}]
    cases: list[tuple[dict[str, Any], str, str]] = [
        (body(subnet="10.20.0.0"), "subnet", "prefix length"),
        (body(subnet="10.20.0.5/24"), "subnet", "did you mean 10.20.0.0/24"),
        (body(subnet="fd00::/64"), "subnet", "IPv4"),
        (body(subnet="10.20.0.0/31"), "subnet", "/30"),
        (body(subnet="banana/24"), "subnet", "not an IPv4 CIDR"),
        (body(gateway="10.30.0.1", ranges=r), "gateway", "outside the subnet"),
        (body(gateway="10.20.0.0", ranges=r), "gateway", "network address"),
        (body(gateway="10.20.0.255", ranges=r), "gateway", "broadcast"),
        (body(gateway="10.20.0.256", ranges=r), "gateway", "not an IPv4 address"),
        (body(dns=["10.0.0.53", "nope"]), "dns[1]", "not an IPv4"),
        (body(dns=["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]), "dns", ""),
        (
            body(ranges=[{"start": "10.21.0.10", "end": "10.20.0.20"}]),
            "ranges[0].start",
            "outside the subnet 10.20.0.0/24",
        ),
        (body(ranges=[*r, {"start": "10.20.0.30", "end": "10.20.1.5"}]), "ranges[1].end", "outside the subnet"),
        (body(ranges=[{"start": "10.20.0.20", "end": "10.20.0.10"}]), "ranges[0].end", "before start"),
        (body(ranges=[*r, {"start": "10.20.0.15", "end": "10.20.0.40"}]), "ranges[1]", "overlaps ranges[0]"),
        (body(ranges=[{"start": "10.20.0.0", "end": "10.20.0.9"}]), "ranges[0].start", "network address"),
        (body(ranges=[{"start": "10.20.0.1", "end": "10.20.0.1"}]), "ranges", "no address to hand out"),
        (body(ranges=[]), "ranges", ""),
        (
            pool_body(subnet="10.0.0.0/16", gateway="10.0.0.1", ranges=[{"start": "10.0.0.2", "end": "10.0.20.0"}]),
            "ranges",
            "more than the 4096",
        ),
        (body(name="bad name"), "name", ""),
    ]
    for payload, field, says in cases:
        resp = inventory.call("POST", POOLS, ALICE, json=payload)
        assert resp.status_code == 422, (payload, resp.text)
        assert field in fields(resp), (field, resp.text)
        assert says in resp.json()["detail"], resp.text
    assert ok(inventory.call("GET", POOLS, ADMIN))["total"] == 0

    first = make(inventory, "ip-pools", body())
    overlap = inventory.call(
        "POST",
        POOLS,
        ALICE,
        json=pool_body(
            "p2",
            subnet="10.20.0.128/25",
            gateway="10.20.0.129",
            ranges=[{"start": "10.20.0.130", "end": "10.20.0.140"}],
        ),
    )
    assert overlap.status_code == 409 and overlap.json()["field"] == "subnet"
    assert "pool1" in overlap.json()["detail"]
    wider = inventory.call(
        "POST",
        POOLS,
        ALICE,
        json=body(
            name="p3", subnet="10.0.0.0/8", gateway="10.0.0.1", ranges=[{"start": "10.0.0.2", "end": "10.0.0.9"}]
        ),
    )
    assert wider.status_code == 409 and wider.json()["field"] == "subnet"
    assert (
        inventory.call(
            "POST",
            POOLS,
            ALICE,
            json=body(
                name="pool1",
                subnet="10.21.0.0/24",
                gateway="10.21.0.1",
                ranges=[{"start": "10.21.0.5", "end": "10.21.0.6"}],
            ),
        ).status_code
        == 409
    )  # same name
    # The same subnet in another project is another network.
    make(inventory, "ip-pools", body(project_id="p3"), who=BOB)
    moved = inventory.call("PATCH", f"{POOLS}/{first['id']}", ALICE, json={"gateway": "10.20.1.1"})
    assert moved.status_code == 422 and fields(moved) == {"gateway"}

    pid = first["id"]
    for payload, status, field in (
        ({"count": 0, "owner": "x"}, 422, "count"),
        ({"count": 257, "owner": "x"}, 422, "count"),
        ({"count": 1}, 422, "owner"),
        ({"count": 12, "owner": "x"}, 409, "count"),  # 11 addresses in the pool
    ):
        resp = inventory.call("POST", f"{POOLS}/{pid}/allocations", ALICE, json=payload)
        assert resp.status_code == status and field in fields(resp), resp.text
    assert "only 11 free" in resp.json()["detail"]
    assert ok(inventory.call("GET", f"{POOLS}/{pid}", ALICE))["counts"]["free"] == 11  # nothing half-taken
    for payload, field in (
        ({"addresses": ["10.20.0.10", "10.20.1.10"]}, "addresses[1]"),
        ({"addresses": ["10.20.0.200"]}, "addresses[0]"),
        ({"addresses": ["x"]}, "addresses[0]"),
        ({"addresses": ["10.20.0.10"], "owner": "x"}, "owner"),
        ({}, "addresses"),
    ):
        resp = inventory.call("POST", f"{POOLS}/{pid}/releases", ALICE, json=payload)
        assert resp.status_code == 422 and field in fields(resp), (payload, resp.text)
    assert inventory.call("GET", f"{POOLS}/{pid}/addresses", ALICE, params={"status": "lost"}).status_code == 422


def test_pool_with_allocations_cannot_be_deleted(inventory: Inventory) -> None:
    pool = make(inventory, "ip-pools", pool_body())
    ok(allocate(inventory, pool["id"], 2, "cluster-x"), 201)
    resp = inventory.call("DELETE", f"{POOLS}/{pool['id']}", ALICE)
    assert resp.status_code == 409 and "2 allocated" in resp.json()["detail"] and "cluster-x" in resp.json()["detail"]
    assert inventory.call("DELETE", f"{POOLS}/{pool['id']}", CAROL).status_code == 403
    assert inventory.call("POST", f"{POOLS}/{pool['id']}/allocations", CAROL, json={"owner": "c"}).status_code == 403
    assert inventory.call("POST", f"{POOLS}/{pool['id']}/releases", BOB, json={"owner": "c"}).status_code == 404
    assert inventory.call("GET", f"{POOLS}/{pool['id']}/addresses", BOB).status_code == 404
    ok(inventory.call("POST", f"{POOLS}/{pool['id']}/releases", ALICE, json={"owner": "cluster-x"}))
    assert inventory.call("DELETE", f"{POOLS}/{pool['id']}", ALICE).status_code == 204


@pytest.mark.inventory_settings(ip_probe_ports=[9], ip_probe_timeout_seconds=1.0)
def test_answering_addresses_are_marked_in_use_and_skipped(inventory: Inventory) -> None:
    """On loopback every address answers (a reset from the closed port): all become in_use, none is handed out."""
    pool = make(inventory, "ip-pools", pool_body(first=10, last=14))
    resp = allocate(inventory, pool["id"], 2)
    assert resp.status_code == 409, resp.text
    assert "only 0 free" in resp.json()["detail"] and "5 more answered" in resp.json()["detail"]
    in_use = addresses(inventory, pool["id"], status="in_use")
    assert len(in_use) == 5 and all(a["checked_at"] and a["owner"] is None for a in in_use)
    assert ok(inventory.call("GET", f"{POOLS}/{pool['id']}", ALICE))["counts"] == {
        "free": 0,
        "allocated": 0,
        "in_use": 5,
    }
    # A person who knows better releases them; they are free again (and probed again before use).
    freed = ok(inventory.call("POST", f"{POOLS}/{pool['id']}/releases", ALICE, json={"addresses": [in_use[0]["ip"]]}))
    assert freed["addresses"] == [in_use[0]["ip"]]


def test_allocation_skips_answering_addresses_and_goes_on(
    inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some addresses answer: they are marked in_use, and allocation continues with the next free ones."""
    pool = make(inventory, "ip-pools", pool_body(first=10, last=30))
    base = pool["subnet"].rsplit(".", 1)[0]
    taken = {f"{base}.{i}" for i in (10, 12, 13, 20)}

    async def answering(self: Prober, ips: Any) -> list[str]:
        return [ip for ip in ips if ip in taken]

    monkeypatch.setattr(Prober, "answering", answering)
    monkeypatch.setattr(Prober, "enabled", property(lambda self: True))
    got = ok(allocate(inventory, pool["id"], 5, "cluster-b"), 201)
    assert got["addresses"] == [f"{base}.{i}" for i in (11, 14, 15, 16, 17)]
    assert got["skipped_in_use"] == [f"{base}.{i}" for i in (10, 12, 13)]
    assert [a["ip"] for a in addresses(inventory, pool["id"], status="in_use")] == sorted(
        got["skipped_in_use"], key=lambda ip: int(ip.rsplit(".", 1)[1])
    )
    assert all(a["checked_at"] for a in addresses(inventory, pool["id"], status="allocated"))


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_concurrent_allocations_never_share_an_address(inventory: Inventory) -> None:
    """20 allocations at once, then 20 more than the pool can serve: every address handed out once."""
    pool = make(inventory, "ip-pools", pool_body(first=10, last=59))  # 50 addresses
    url = f"{inventory.base}{POOLS}/{pool['id']}/allocations"
    headers = identity_headers(ALICE, IDENTITY_KEY.encode(), "inventory")

    async def burst(count: int) -> list[httpx.Response]:
        async with httpx.AsyncClient(timeout=60, trust_env=False, limits=httpx.Limits(max_connections=40)) as c:
            return await asyncio.gather(
                *(c.post(url, headers=headers, json={"count": count, "owner": f"o{i}"}) for i in range(20))
            )

    first = await burst(2)  # 40 of 50
    assert [r.status_code for r in first] == [201] * 20, [r.text for r in first if r.status_code != 201]
    handed = [ip for r in first for ip in r.json()["addresses"]]
    assert len(handed) == len(set(handed)) == 40

    second = await burst(3)  # 60 wanted, 10 left: some calls get 3, the others 409 and keep nothing
    assert {r.status_code for r in second} <= {201, 409}
    more = [ip for r in second if r.status_code == 201 for ip in r.json()["addresses"]]
    assert all(len(r.json()["addresses"]) == 3 for r in second if r.status_code == 201)
    assert len(more) == len(set(more)) and not set(more) & set(handed) and len(more) <= 10
    assert 201 in {r.status_code for r in second}

    rows = addresses(inventory, pool["id"])
    owners = {a["ip"]: a["owner"] for a in rows if a["status"] == "allocated"}
    assert set(owners) == set(handed) | set(more)
    for r in (*first, *second):
        if r.status_code == 201:
            assert all(owners[ip] == r.json()["owner"] for ip in r.json()["addresses"])
    counts = ok(inventory.call("GET", f"{POOLS}/{pool['id']}", ALICE))["counts"]
    assert counts == {"free": 50 - len(owners), "allocated": len(owners), "in_use": 0}


async def test_pool_and_address_events(inventory: Inventory, nats_server: Any) -> None:
    pool = make(inventory, "ip-pools", pool_body("ev"))
    got = ok(allocate(inventory, pool["id"], 2, "cluster-ev"), 201)
    ok(inventory.call("POST", f"{POOLS}/{pool['id']}/releases", ALICE, json={"addresses": got["addresses"]}))
    ok(inventory.call("POST", f"{POOLS}/{pool['id']}/releases", ALICE, json={"owner": "nobody"}))  # nothing: no event
    ok(inventory.call("PATCH", f"{POOLS}/{pool['id']}", ALICE, json={"description": "d"}))
    assert inventory.call("DELETE", f"{POOLS}/{pool['id']}", ALICE).status_code == 204

    found = await events(nats_server.url, "ko.inventory.ippool.>", {pool["id"]}, want=5)
    by_subject = {subject: env for subject, _, env in found}
    assert [s for s, _, _ in found] == [
        f"ko.inventory.ippool.{v}" for v in ("created", "allocated", "released", "updated", "deleted")
    ]
    assert by_subject["ko.inventory.ippool.allocated"]["data"] == {
        "pool_id": pool["id"],
        "project_id": "p1",
        "owner": "cluster-ev",
        "addresses": got["addresses"],
        "skipped_in_use": [],
    }
    released = by_subject["ko.inventory.ippool.released"]["data"]
    assert (released["addresses"], released["owner"]) == (got["addresses"], None)
    assert by_subject["ko.inventory.ippool.created"]["data"]["size"] == 11
    assert all(env["projectid"] == "p1" and env["subject"] == pool["id"] for env in by_subject.values())
