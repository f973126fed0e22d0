"""Regions, zones and plans served for real, on SQLite and PostgreSQL, called as the gateway would."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.inventory.cloud_support import (
    API,
    OPENSTACK_ZONE,
    REGION_PASSWORD,
    VSPHERE_SIZE,
    VSPHERE_ZONE,
    events,
    make,
    make_zone,
    ok,
    pool_body,
    raw_rows,
    region_body,
)
from tests.inventory.support import ADMIN, ALICE, BOB, CAROL, Inventory, fields


def plan_body(region: dict[str, Any], zones: list[dict[str, Any]], name: str = "plan1", **extra: Any) -> dict[str, Any]:
    size = VSPHERE_SIZE if region["provider"] == "vsphere" else {"flavor": "m1.large"}
    return {
        "project_id": region["project_id"],
        "name": name,
        "region_id": region["id"],
        "topology": "ha",
        "worker_count": 5,
        "master_size": size,
        "worker_size": size,
        "zone_ids": [z["id"] for z in zones],
    } | extra


def test_region_lifecycle_and_secret_handling(inventory: Inventory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    vs = make(inventory, "regions", region_body(description="the lab vCenter"))
    assert (vs["provider"], vs["has_password"], vs["insecure_tls"], vs["project_name"]) == (
        "vsphere",
        True,
        False,
        None,
    )
    assert "password" not in vs and "password_enc" not in vs
    os_ = make(inventory, "regions", region_body("cloud", "openstack", insecure_tls=True))
    assert (os_["project_name"], os_["domain_name"], os_["insecure_tls"]) == ("admin", "Default", True)
    path = f"{API}/regions/{vs['id']}"
    assert ok(inventory.call("GET", path, CAROL)) == vs

    listed = ok(inventory.call("GET", f"{API}/regions", ALICE, params={"project_id": "p1"}))
    assert [r["name"] for r in listed["items"]] == ["cloud", "dc1"] and listed["total"] == 2
    assert ok(inventory.call("GET", f"{API}/regions", ALICE, params={"provider": "openstack"}))["total"] == 1
    assert ok(inventory.call("GET", f"{API}/regions", ALICE, params={"q": "LAB"}))["total"] == 1

    # A password left out keeps its value; a new one replaces it.
    patched = ok(
        inventory.call("PATCH", path, ALICE, json={"datacenter": "DC2", "endpoint": "https://vc2.example/sdk"})
    )
    assert (patched["datacenter"], patched["endpoint"], patched["has_password"]) == (
        "DC2",
        "https://vc2.example/sdk",
        True,
    )
    second = "Second-cl0ud-pa55word-only-in-tests"
    ok(inventory.call("PATCH", path, ALICE, json={"password": second}))
    assert ok(inventory.call("PATCH", path, ALICE, json={"provider": "vsphere"}))["provider"] == "vsphere"

    stored = raw_rows(inventory, ("regions",))
    assert b"the lab vCenter" in stored and b"v1:" in stored  # we are looking at the rows
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert "region created" in logged
    answers = [inventory.call("GET", f"{API}/regions", ADMIN).text, inventory.call("GET", path, ALICE).text]
    for secret in (REGION_PASSWORD, second):
        assert secret.encode() not in stored, "a cloud API password is stored in clear"
        assert secret not in logged
        assert all(secret not in a for a in answers)

    assert inventory.call("DELETE", path, ALICE).status_code == 204
    assert inventory.call("GET", path, ALICE).status_code == 404


def test_region_validation_names_the_field(inventory: Inventory) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (region_body(provider="hyperv"), "provider"),
        (region_body(endpoint="http://vcenter.example"), "endpoint"),
        (region_body(endpoint="vcenter.example"), "endpoint"),
        (region_body(endpoint="https://user:pw@vcenter.example"), "endpoint"),
        (region_body(endpoint="https://vcenter.example:99999"), "endpoint"),
        (region_body(password=""), "password"),
        (region_body(datacenter=" "), "datacenter"),
        (region_body(name="has space"), "name"),
        (region_body(project_name="admin"), "project_name"),  # not a vSphere field
        ({k: v for k, v in region_body("o", "openstack").items() if k != "domain_name"}, "domain_name"),
        (region_body(surprise=1), "surprise"),
    ]
    for body, field in cases:
        resp = inventory.call("POST", f"{API}/regions", ALICE, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert field in fields(resp), (field, resp.text)
    assert ok(inventory.call("GET", f"{API}/regions", ADMIN))["total"] == 0

    made = make(inventory, "regions", region_body())
    dup = inventory.call("POST", f"{API}/regions", ALICE, json=region_body())
    assert dup.status_code == 409 and dup.json()["field"] == "name"
    path = f"{API}/regions/{made['id']}"
    changed = inventory.call("PATCH", path, ALICE, json={"provider": "openstack"})
    assert changed.status_code == 422 and fields(changed) == {"provider"}
    assert "cannot change" in changed.json()["detail"]
    assert fields(inventory.call("PATCH", path, ALICE, json={"password": None})) == {"password"}
    assert fields(inventory.call("PATCH", path, ALICE, json={"domain_name": "Default"})) == {"domain_name"}


def test_zones_follow_their_region_provider(inventory: Inventory) -> None:
    vs = make(inventory, "regions", region_body())
    os_ = make(inventory, "regions", region_body("cloud", "openstack"))
    pool = make(inventory, "ip-pools", pool_body())
    a = make_zone(inventory, vs, pool, "vs-a", resource_pool="rp1")
    assert (a["provider"], a["provider_settings"]["resource_pool"], a["provider_settings"]["image"]) == (
        "vsphere",
        "rp1",
        None,
    )
    b = make_zone(inventory, os_, pool, "os-a", security_group="k8s")
    assert b["provider"] == "openstack" and b["provider_settings"]["availability_zone"] == "nova"

    def zone(**changes: Any) -> dict[str, Any]:
        return {
            "project_id": "p1",
            "name": "z",
            "region_id": vs["id"],
            "ip_pool_id": pool["id"],
            "provider_settings": VSPHERE_ZONE,
        } | changes

    bob_pool = make(inventory, "ip-pools", pool_body(project="p3"), who=BOB)
    bob_region = make(inventory, "regions", region_body(project="p3"), who=BOB)
    cases: list[tuple[dict[str, Any], str, str]] = [
        (zone(region_id="no-such-region"), "region_id", "create the region first"),
        (zone(region_id=bob_region["id"]), "region_id", "create the region first"),  # another project's
        (zone(ip_pool_id="no-such-pool"), "ip_pool_id", "create the pool first"),
        (zone(ip_pool_id=bob_pool["id"]), "ip_pool_id", "create the pool first"),
        (zone(provider_settings=VSPHERE_ZONE | {"image": "x"}), "provider_settings.image", "not used by vsphere"),
        (zone(provider_settings={"cluster": "c1", "network": "n"}), "provider_settings.datastore", "required"),
        (zone(region_id=os_["id"], provider_settings=VSPHERE_ZONE), "provider_settings.cluster", "openstack"),
        (
            zone(region_id=os_["id"], provider_settings=OPENSTACK_ZONE | {"flavor": "m1"}),
            "provider_settings.flavor",
            "",
        ),
        (zone(name="vs-a"), "name", "already exists"),
    ]
    for body, field, says in cases:
        resp = inventory.call("POST", f"{API}/zones", ALICE, json=body)
        assert resp.status_code in (409, 422), (body, resp.text)
        assert field in fields(resp), (field, resp.text)
        assert says in resp.json()["detail"], resp.text
    assert ok(inventory.call("GET", f"{API}/zones", ALICE))["total"] == 2
    assert ok(inventory.call("GET", f"{API}/zones", ALICE, params={"region_id": os_["id"]}))["items"] == [b]

    path = f"{API}/zones/{a['id']}"
    moved = inventory.call("PATCH", path, ALICE, json={"region_id": os_["id"]})
    assert moved.status_code == 422 and fields(moved) == {"region_id"}
    wrong = inventory.call("PATCH", path, ALICE, json={"provider_settings": OPENSTACK_ZONE})
    assert wrong.status_code == 422 and "provider_settings.availability_zone" in fields(wrong)
    changed = ok(inventory.call("PATCH", path, ALICE, json={"provider_settings": VSPHERE_ZONE, "description": "x"}))
    assert changed["provider_settings"]["resource_pool"] is None and changed["description"] == "x"
    assert inventory.call("PATCH", path, CAROL, json={"description": "y"}).status_code == 403
    assert inventory.call("GET", path, BOB).status_code == 404


def test_plan_placement_and_validation(inventory: Inventory) -> None:
    vs = make(inventory, "regions", region_body())
    other = make(inventory, "regions", region_body("dc2"))
    os_ = make(inventory, "regions", region_body("cloud", "openstack"))
    pool = make(inventory, "ip-pools", pool_body())
    z1, z2, z3 = (make_zone(inventory, vs, pool, f"z{i}") for i in (1, 2, 3))
    elsewhere = make_zone(inventory, other, pool, "far")
    os_zone = make_zone(inventory, os_, pool, "os-z")

    ha3 = make(inventory, "plans", plan_body(vs, [z1, z2, z3], worker_count=5))
    ids = [z["id"] for z in (z1, z2, z3)]
    assert ha3["master_count"] == 3 and ha3["zone_ids"] == ids and ha3["provider"] == "vsphere"
    assert ha3["placement"] == {"masters": ids, "workers": [*ids, *ids[:2]]}
    ha2 = make(inventory, "plans", plan_body(vs, [z1, z2], name="ha2", worker_count=3))
    assert ha2["placement"] == {"masters": [z1["id"], z2["id"], z1["id"]], "workers": [z1["id"], z2["id"], z1["id"]]}
    single = make(inventory, "plans", plan_body(vs, [z2], name="one", topology="single", worker_count=0))
    assert single["placement"] == {"masters": [z2["id"]], "workers": []} and single["master_count"] == 1
    flavored = make(inventory, "plans", plan_body(os_, [os_zone], name="os"))
    assert flavored["master_size"] == {"cpus": None, "memory_gib": None, "disk_gib": None, "flavor": "m1.large"}

    cases: list[tuple[dict[str, Any], str]] = [
        (plan_body(vs, [z1], name="x", region_id="nope"), "region_id"),
        (plan_body(vs, [z1, z1], name="x"), "zone_ids[1]"),
        (plan_body(vs, [z1, elsewhere], name="x"), "zone_ids[1]"),
        (plan_body(vs, [z1], name="x", zone_ids=[z1["id"], "missing"]), "zone_ids[1]"),
        (plan_body(vs, [], name="x"), "zone_ids"),
        (plan_body(vs, [z1], name="x", topology="five"), "topology"),
        (plan_body(vs, [z1], name="x", worker_count=101), "worker_count"),
        (plan_body(vs, [z1], name="x", worker_count=-1), "worker_count"),
        (plan_body(vs, [z1], name="x", master_size={"flavor": "m1"}), "master_size.flavor"),
        (plan_body(vs, [z1], name="x", worker_size={"cpus": 2, "memory_gib": 4}), "worker_size.disk_gib"),
        (plan_body(vs, [z1], name="x", master_size=VSPHERE_SIZE | {"cpus": 1}), "master_size.cpus"),
        (plan_body(os_, [os_zone], name="x", worker_size={"flavor": "m1", "cpus": 2}), "worker_size.cpus"),
        (plan_body(vs, [z1], name="one"), "name"),
    ]
    for body, field in cases:
        resp = inventory.call("POST", f"{API}/plans", ALICE, json=body)
        assert resp.status_code in (409, 422), (body, resp.text)
        assert field in fields(resp), (field, resp.text)
    assert ok(inventory.call("GET", f"{API}/plans", ALICE))["total"] == 4

    path = f"{API}/plans/{ha3['id']}"
    reshaped = ok(inventory.call("PATCH", path, ALICE, json={"zone_ids": [z3["id"], z1["id"]], "worker_count": 1}))
    assert reshaped["placement"] == {"masters": [z3["id"], z1["id"], z3["id"]], "workers": [z3["id"]]}
    moved = inventory.call("PATCH", path, ALICE, json={"region_id": other["id"]})
    assert moved.status_code == 422 and fields(moved) == {"zone_ids[0]"}
    moved = ok(inventory.call("PATCH", path, ALICE, json={"region_id": other["id"], "zone_ids": [elsewhere["id"]]}))
    assert moved["placement"]["masters"] == [elsewhere["id"]] * 3
    assert ok(inventory.call("GET", f"{API}/plans", ALICE, params={"region_id": other["id"]}))["items"] == [moved]


def test_deletion_refused_while_used(inventory: Inventory) -> None:
    vs = make(inventory, "regions", region_body())
    pool = make(inventory, "ip-pools", pool_body())
    zone = make_zone(inventory, vs, pool, "za")
    plan = make(inventory, "plans", plan_body(vs, [zone], name="keeper"))

    def refused(path: str, *names: str) -> None:
        resp = inventory.call("DELETE", path, ALICE)
        assert resp.status_code == 409, resp.text
        for name in names:
            assert name in resp.json()["detail"], resp.text
        assert inventory.call("GET", path, ALICE).status_code == 200

    # A project holding them cannot be deleted: the gateway asks inventory what the project holds.
    usage = ok(inventory.call("GET", "/internal/projects/p1/usage", ADMIN))
    assert {k: usage[k] for k in ("regions", "zones", "plans", "ip_pools")} == dict.fromkeys(
        ("regions", "zones", "plans", "ip_pools"), 1
    )
    refused(f"{API}/regions/{vs['id']}", "zone za", "plan keeper")
    refused(f"{API}/zones/{zone['id']}", "plan keeper")
    refused(f"{API}/ip-pools/{pool['id']}", "zone za")
    assert inventory.call("DELETE", f"{API}/plans/{plan['id']}", ALICE).status_code == 204
    refused(f"{API}/regions/{vs['id']}", "zone za")
    assert inventory.call("DELETE", f"{API}/zones/{zone['id']}", ALICE).status_code == 204
    assert inventory.call("DELETE", f"{API}/regions/{vs['id']}", ALICE).status_code == 204
    assert inventory.call("DELETE", f"{API}/ip-pools/{pool['id']}", ALICE).status_code == 204


def test_project_scoping(inventory: Inventory) -> None:
    region = make(inventory, "regions", region_body())
    path = f"{API}/regions/{region['id']}"
    for method in ("GET", "PATCH", "DELETE"):
        assert inventory.call(method, path, BOB, json={} if method == "PATCH" else None).status_code == 404
    assert inventory.call("DELETE", path, CAROL).status_code == 403
    assert inventory.call("POST", f"{API}/regions", CAROL, json=region_body("c")).status_code == 403
    assert inventory.call("POST", f"{API}/regions", ALICE, json=region_body(project="p2")).status_code == 403
    assert inventory.call("POST", f"{API}/plans", BOB, json={"project_id": "p1"}).status_code == 422  # schema first
    assert ok(inventory.call("GET", f"{API}/regions", BOB))["total"] == 0
    assert inventory.call("GET", f"{API}/zones", BOB, params={"project_id": "p1"}).status_code == 404
    assert inventory.call("GET", f"{API}/regions", None).status_code == 401


async def test_events_of_regions_zones_and_plans(inventory: Inventory, nats_server: Any) -> None:
    region = make(inventory, "regions", region_body("ev"))
    pool = make(inventory, "ip-pools", pool_body("ev"))
    zone = make_zone(inventory, region, pool, "ev")
    plan = make(inventory, "plans", plan_body(region, [zone], name="ev"))
    ok(inventory.call("PATCH", f"{API}/regions/{region['id']}", ALICE, json={"password": "Ev3nt-cl0ud-pa55"}))
    ok(inventory.call("PATCH", f"{API}/zones/{zone['id']}", ALICE, json={"description": "d"}))
    ok(inventory.call("PATCH", f"{API}/plans/{plan['id']}", ALICE, json={"worker_count": 2}))
    for kind, obj in (("plans", plan), ("zones", zone), ("regions", region)):
        assert inventory.call("DELETE", f"{API}/{kind}/{obj['id']}", ALICE).status_code == 204

    ids = {region["id"], zone["id"], plan["id"]}
    got = await events(nats_server.url, "ko.inventory.>", ids, want=9)
    seen = {subject for subject, _, _ in got}
    assert seen == {
        f"ko.inventory.{e}.{v}" for e in ("region", "zone", "plan") for v in ("created", "updated", "deleted")
    }
    for subject, raw, env in got:
        assert REGION_PASSWORD.encode() not in raw and b"Ev3nt-cl0ud-pa55" not in raw
        assert env["type"] == "kubeoperator." + subject.removeprefix("ko.") + ".v1"
        assert (env["source"], env["projectid"]) == ("ko/inventory", "p1")
    plan_updated = next(env for s, _, env in got if s == "ko.inventory.plan.updated")
    assert plan_updated["data"]["worker_count"] == 2 and plan_updated["data"]["zone_ids"] == [zone["id"]]
    region_created = next(env for s, _, env in got if s == "ko.inventory.region.created")
    assert set(region_created["data"]) == {"id", "project_id", "name", "provider", "endpoint", "datacenter"}
