"""A region's credentials proven by a login to its cloud before they are stored, and the test route.

The clouds are fakes over HTTPS with a certificate made here (tests/fakes/cloud_apis.py); "trusted"
puts that certificate in SSL_CERT_FILE, the trust store the login reads. The inventory is served for
real, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ko_inventory.app import InventorySettings, create_app
from ko_inventory.cloud.login import tokens_url
from tests.fakes.cloud_apis import FakeKeystone, FakeVCenter, make_certificate
from tests.inventory.cloud_support import API, make, ok, raw_rows, region_body
from tests.inventory.support import ALICE, BOB, CAROL, Inventory, fields

pytestmark = pytest.mark.inventory_settings(region_login_check=True, region_login_timeout_seconds=5)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    directory = tmp_path / "tls"
    directory.mkdir()
    return make_certificate(directory)


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))


@pytest.fixture
def vcenter(certificate: tuple[Path, Path]) -> Iterator[FakeVCenter]:
    fake = FakeVCenter(certificate)
    yield fake
    fake.close()


@pytest.fixture
def keystone(certificate: tuple[Path, Path]) -> Iterator[FakeKeystone]:
    fake = FakeKeystone(certificate)
    yield fake
    fake.close()


def vsphere(vc: FakeVCenter, name: str = "dc1", **extra: Any) -> dict[str, Any]:
    return region_body(name, endpoint=vc.url, username=vc.username, password=vc.password) | extra


def openstack(ks: FakeKeystone, name: str = "cloud", **extra: Any) -> dict[str, Any]:
    body = region_body(name, "openstack", endpoint=ks.url, username=ks.username, password=ks.password)
    return body | {"project_name": "admin", "domain_name": ks.domain} | extra


def refused(inv: Inventory, method: str, path: str, body: dict[str, Any], field: str) -> str:
    r = inv.call(method, API + path, ALICE, json=body)
    assert r.status_code == 422 and fields(r) == {field}, r.text
    detail: str = r.json()["detail"]
    assert detail.startswith(f"{field}: "), detail
    return r.text


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_nowhere(caplog: pytest.LogCaptureFixture, answers: list[str], *secrets: str) -> None:
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records)
    assert "region login" in logged or "region created" in logged  # we are looking at the service's log
    for secret in secrets:
        assert secret not in logged, "a cloud password is logged"
        assert all(secret not in a for a in answers), "a cloud password is answered"


def region_count(inv: Inventory) -> int:
    return int(ok(inv.call("GET", f"{API}/regions", ALICE))["total"])


def test_a_vcenter_login_saves_the_region_and_logs_out(
    inventory: Inventory, vcenter: FakeVCenter, trusted: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = inventory.call("POST", f"{API}/regions", ALICE, json=vsphere(vcenter))
    answers = [created.text]
    region = ok(created, 201)
    assert vcenter.paths() == [("POST", "/api/session", 201), ("DELETE", "/api/session", 204)]
    assert vcenter.calls[1].with_session and not vcenter.live  # the session it opened is closed

    tested = inventory.call("POST", f"{API}/regions/{region['id']}/test", ALICE)
    answers.append(tested.text)
    assert ok(tested)["ok"] is True and tested.json()["field"] is None
    assert vcenter.username in tested.json()["detail"] and not vcenter.live

    refused(inventory, "POST", "/regions", vsphere(vcenter, "dc2", password="Wr0ng-pa55word-in-tests"), "password")
    assert_nowhere(caplog, answers, vcenter.password, "Wr0ng-pa55word-in-tests")


def test_a_refused_login_names_the_password_and_stores_nothing(
    inventory: Inventory, vcenter: FakeVCenter, trusted: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng-pa55word-only-in-tests"
    answer = refused(inventory, "POST", "/regions", vsphere(vcenter, "never-stored", password=wrong), "password")
    assert f"refused the login of {vcenter.username}: check the user and password" in answer
    assert vcenter.paths() == [("POST", "/api/session", 401)]
    assert region_count(inventory) == 0
    assert b"never-stored" not in raw_rows(inventory, ("regions",))  # no row, no event in the outbox
    assert_nowhere(caplog, [answer], wrong, vcenter.password)


def test_an_untrusted_certificate_names_insecure_tls(inventory: Inventory, vcenter: FakeVCenter) -> None:
    answer = refused(inventory, "POST", "/regions", vsphere(vcenter), "insecure_tls")
    assert "the certificate is not trusted" in answer and "import the CA" in answer
    assert vcenter.calls == [] and region_count(inventory) == 0  # the password was never sent
    region = make(inventory, "regions", vsphere(vcenter, insecure_tls=True))
    assert region["insecure_tls"] is True and len(vcenter.calls) == 2


def test_an_unreachable_endpoint_is_named(inventory: Inventory, trusted: None) -> None:
    answer = refused(
        inventory, "POST", "/regions", region_body(endpoint=f"https://127.0.0.1:{closed_port()}"), "endpoint"
    )
    assert "cannot reach vCenter at https://127.0.0.1:" in answer
    assert region_count(inventory) == 0


@pytest.mark.inventory_settings(region_login_check=True, region_login_timeout_seconds=1)
def test_a_silent_endpoint_is_named_after_the_timeout(inventory: Inventory) -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        endpoint = f"https://127.0.0.1:{silent.getsockname()[1]}"
        answer = refused(inventory, "POST", "/regions", region_body(endpoint=endpoint), "endpoint")
    assert "did not answer" in answer
    assert region_count(inventory) == 0


def test_vsphere_6_7_logs_in_at_the_older_api_and_other_servers_are_named(
    inventory: Inventory, certificate: tuple[Path, Path], keystone: FakeKeystone, trusted: None
) -> None:
    legacy = FakeVCenter(certificate, legacy=True)
    try:
        make(inventory, "regions", vsphere(legacy))
        assert legacy.paths() == [
            ("POST", "/api/session", 404),
            ("POST", "/rest/com/vmware/cis/session", 200),
            ("DELETE", "/rest/com/vmware/cis/session", 200),
        ]
        assert not legacy.live
    finally:
        legacy.close()
    # A server that is no vCenter: named with what it answered.
    answer = refused(inventory, "POST", "/regions", region_body("not-vc", endpoint=keystone.base), "endpoint")
    assert "answered HTTP 404" in answer


def test_keystone_logins(inventory: Inventory, keystone: FakeKeystone, trusted: None) -> None:
    tokens = ("POST", "/identity/v3/auth/tokens")
    # The auth URL with or without /v3, with or without a final slash.
    for i, url in enumerate((keystone.url, keystone.url + "/", keystone.base + "/identity")):
        keystone.calls.clear()
        make(inventory, "regions", openstack(keystone, f"os{i}", endpoint=url))
        assert keystone.paths() == [(*tokens, 201), ("DELETE", tokens[1], 204)]
        assert not keystone.live  # the token was revoked

    keystone.calls.clear()
    answer = refused(inventory, "POST", "/regions", openstack(keystone, password="Wr0ng-in-tests"), "password")
    assert f"refused the login of {keystone.username} (domain Default)" in answer
    assert keystone.paths() == [(*tokens, 401), (*tokens, 401)]
    refused(inventory, "POST", "/regions", openstack(keystone, domain_name="Elsewhere"), "password")

    for project in ("no-such-project", "no-role"):
        keystone.calls.clear()
        answer = refused(inventory, "POST", "/regions", openstack(keystone, project_name=project), "project_name")
        assert f"not in project {project} of domain Default" in answer
        # The unscoped login that told the project from the password was revoked too.
        assert keystone.paths() == [(*tokens, 401), (*tokens, 201), ("DELETE", tokens[1], 204)]
    assert not keystone.live and region_count(inventory) == 3


def test_updates_log_in_when_the_credentials_change(
    inventory: Inventory, vcenter: FakeVCenter, trusted: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    region = make(inventory, "regions", vsphere(vcenter))
    path = f"/regions/{region['id']}"
    vcenter.calls.clear()
    unchanged = {"endpoint": vcenter.url, "username": vcenter.username, "insecure_tls": False}
    for body in ({"description": "by the test"}, {"name": "dc1-renamed", "datacenter": "DC2"}, unchanged):
        ok(inventory.call("PATCH", API + path, ALICE, json=body))
    assert vcenter.calls == []  # nothing the login uses changed: no login

    answers = [refused(inventory, "PATCH", path, {"password": "Wr0ng-pa55word-in-tests"}, "password")]
    answers.append(refused(inventory, "PATCH", path, {"username": "someone@vsphere.local"}, "password"))
    closed = f"https://127.0.0.1:{closed_port()}"
    answers.append(refused(inventory, "PATCH", path, {"endpoint": closed}, "endpoint"))
    stored = ok(inventory.call("GET", API + path, ALICE))
    assert (stored["endpoint"], stored["username"]) == (vcenter.url, vcenter.username)
    assert ok(inventory.call("POST", f"{API}{path}/test", ALICE))["ok"] is True  # the old password is kept

    vcenter.password = "R0tated-pa55word-only-in-tests"
    vcenter.calls.clear()
    answers.append(inventory.call("PATCH", API + path, ALICE, json={"password": vcenter.password}).text)
    assert vcenter.paths() == [("POST", "/api/session", 201), ("DELETE", "/api/session", 204)]
    assert ok(inventory.call("POST", f"{API}{path}/test", ALICE))["ok"] is True
    assert_nowhere(caplog, answers, "Wr0ng-pa55word-in-tests", vcenter.password, region_body()["password"])


def test_the_test_route_answers_ok_or_the_field_and_changes_nothing(
    inventory: Inventory, vcenter: FakeVCenter, trusted: None
) -> None:
    region = make(inventory, "regions", vsphere(vcenter))
    path = f"{API}/regions/{region['id']}/test"
    assert ok(inventory.call("POST", path, ALICE))["ok"] is True

    vcenter.password = "Changed-in-vcenter-only-in-tests"  # the password rotated in vCenter, not here
    result = ok(inventory.call("POST", path, ALICE))
    assert (result["ok"], result["field"]) == (False, "password")
    assert "check the user and password" in result["detail"]
    assert ok(inventory.call("GET", f"{API}/regions/{region['id']}", ALICE)) == region  # changed nothing

    assert inventory.call("POST", path, CAROL).status_code == 403  # read-only in p1
    assert inventory.call("POST", path, BOB).status_code == 404  # not his project
    assert inventory.call("POST", f"{API}/regions/nope/test", ALICE).status_code == 404


@pytest.mark.inventory_settings(region_login_check=False)
def test_with_the_check_off_regions_save_and_the_test_route_still_logs_in(inventory: Inventory) -> None:
    region = make(inventory, "regions", region_body(endpoint=f"https://127.0.0.1:{closed_port()}"))
    result = ok(inventory.call("POST", f"{API}/regions/{region['id']}/test", ALICE))
    assert (result["ok"], result["field"]) == (False, "endpoint")


def test_the_route_and_settings_in_the_contract(tmp_path: Path) -> None:
    doc = create_app(InventorySettings(data_dir=tmp_path)).openapi()
    op = doc["paths"]["/api/v1/regions/{region_id}/test"]["post"]
    assert (op["operationId"], op["x-ko-permission"]) == ("testRegion", "project:write")
    result = doc["components"]["schemas"]["RegionTestResult"]["properties"]
    assert set(result) == {"ok", "detail", "field"}
    settings = InventorySettings(data_dir=tmp_path)
    assert (settings.region_login_check, settings.region_login_timeout_seconds) == (True, 10.0)


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("https://ks:5000/v3", "https://ks:5000/v3/auth/tokens"),
        ("https://ks:5000/v3/", "https://ks:5000/v3/auth/tokens"),
        ("https://ks:5000", "https://ks:5000/v3/auth/tokens"),
        ("https://ks/identity/", "https://ks/identity/v3/auth/tokens"),
    ],
)
def test_the_keystone_tokens_url(endpoint: str, url: str) -> None:
    assert tokens_url(endpoint) == url
