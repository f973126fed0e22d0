"""The notification channels API served for real, on SQLite and PostgreSQL, called as the gateway would:
lifecycle, secrets never returned and stored encrypted, roles, bad input named by field, test-send."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.fakes.robots import RobotReceiver
from tests.observability.support import ADMIN, ALICE, BOB, CAROL, URL, Observability, dingtalk_body, fields

SIGNING_SECRET = "SEC0123456789abcdef-only-in-tests"


def assert_no_secret(out: Any, *secrets: str) -> None:
    text = str(out)
    for secret in secrets:
        assert secret not in text


def test_dingtalk_channel_lifecycle_and_secrets(
    observability: Observability, dingtalk: RobotReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    made = observability.create(dingtalk_body(dingtalk.url, SIGNING_SECRET, description="on-call robot"))
    assert (made["kind"], made["language"], made["enabled"]) == ("dingtalk", "zh", True)
    assert (made["rate_limit_per_minute"], made["rate_limit_is_default"]) == (20, True)
    assert made["config"] == {}
    port = dingtalk.url.split(":")[2].split("/")[0]
    assert made["masked"] == {"url": f"http://127.0.0.1:{port}/…", "secret": "********"}
    assert_no_secret(made, dingtalk.token, SIGNING_SECRET)

    path = f"{URL}/{made['id']}"
    assert observability.call("GET", path, ALICE).json() == made
    listed = observability.call("GET", URL, ALICE, params={"project_id": "p1"}).json()
    assert (listed["total"], listed["items"]) == (1, [made])
    assert observability.call("GET", URL, ALICE, params={"kind": "email"}).json()["total"] == 0

    # Absent secrets keep their values: the test message still reaches the robot, signed.
    patched = observability.call("PATCH", path, ALICE, json={"language": "en", "rate_limit_per_minute": 5})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["language"], patched.json()["rate_limit_per_minute"]) == ("en", 5)
    sent = observability.call("POST", f"{path}/test", ALICE)
    assert sent.status_code == 200, sent.text
    result = sent.json()
    assert result["ok"] is True
    assert result["delivery"]["status"] == "delivered" and result["delivery"]["test"] is True
    assert (result["delivery"]["answer_status"], result["delivery"]["attempts"]) == (200, 1)
    assert '"errcode": 0' in result["delivery"]["answer"]
    [got] = dingtalk.accepted
    assert got.json["msgtype"] == "markdown"
    assert got.json["markdown"]["title"].startswith("[KubeOperator] Test message")
    assert "sent by alice" in got.json["markdown"]["text"]
    assert {"timestamp", "sign", "access_token"} <= set(got.query)

    history = observability.call("GET", f"{path}/deliveries", CAROL).json()
    assert history["total"] == 1 and history["items"][0] == result["delivery"]

    # Clearing the signing secret: the robot (which signs) refuses, and the answer says why.
    assert observability.call("PATCH", path, ALICE, json={"config": {"secret": None}}).json()["masked"] == {
        "url": f"http://127.0.0.1:{port}/…"
    }
    refused = observability.call("POST", f"{path}/test", ALICE).json()
    assert refused["ok"] is False and refused["delivery"]["status"] == "failed"
    assert "310000" in refused["delivery"]["answer"] and refused["delivery"]["attempts"] == 1

    raw = observability.raw_database()
    assert dingtalk.token.encode() not in raw and SIGNING_SECRET.encode() not in raw
    assert b"v1:" in raw  # the SecretBox ciphertext
    assert_no_secret([r.getMessage() + str(r.__dict__) for r in caplog.records], dingtalk.token, SIGNING_SECRET)

    assert observability.call("DELETE", path, ALICE).status_code == 204
    assert observability.call("GET", path, ALICE).status_code == 404
    assert observability.call("GET", f"{path}/deliveries", ALICE).status_code == 404


def test_roles(observability: Observability, wecom: RobotReceiver) -> None:
    body = {"project_id": "p1", "name": "wecom", "kind": "wecom", "config": {"url": wecom.url}}
    # read-only members and outsiders cannot create
    assert observability.call("POST", URL, CAROL, json=body).status_code == 403
    assert observability.call("POST", URL, BOB, json=body).status_code == 404
    assert observability.call("POST", URL, ALICE, json=body | {"project_id": "p2"}).status_code == 403
    made = observability.create(body)
    path = f"{URL}/{made['id']}"
    # members read; only project managers and admins change, test or delete
    assert observability.call("GET", path, CAROL).status_code == 200
    assert observability.call("GET", f"{path}/deliveries", CAROL).status_code == 200
    assert observability.call("GET", URL, CAROL).json()["total"] == 1
    for method, sub, kwargs in (("PATCH", "", {"json": {"enabled": False}}), ("POST", "/test", {}), ("DELETE", "", {})):
        assert observability.call(method, path + sub, CAROL, **kwargs).status_code == 403
        assert observability.call(method, path + sub, BOB, **kwargs).status_code == 404
    assert observability.call("GET", path, BOB).status_code == 404
    assert observability.call("GET", URL, BOB).json()["total"] == 0
    assert observability.call("GET", URL, BOB, params={"project_id": "p1"}).status_code == 404
    assert observability.call("GET", path, None).status_code == 401
    assert observability.call("PATCH", path, ADMIN, json={"enabled": False}).json()["enabled"] is False
    assert observability.call("POST", f"{path}/test", ADMIN).json()["ok"] is True  # disabled: a test still goes
    assert observability.call("DELETE", path, ADMIN).status_code == 204


def test_bad_input_is_refused_naming_the_field(observability: Observability) -> None:
    def refused(body: dict[str, Any]) -> set[str]:
        resp = observability.call("POST", URL, ALICE, json=body)
        assert resp.status_code == 422, resp.text
        return fields(resp)

    base = {"project_id": "p1", "name": "c1"}
    assert refused(base | {"kind": "sms", "config": {}}) == {"kind"}
    assert refused(base | {"kind": "dingtalk", "config": {"url": "not a url"}}) == {"config.url"}
    assert refused(base | {"kind": "dingtalk", "config": {"url": "ftp://robot.example/x"}}) == {"config.url"}
    assert refused(base | {"kind": "wecom", "config": {"url": "https://h.example/x", "secret": "s"}}) == {
        "config.secret"
    }
    email = {"host": "smtp.example.com", "from_address": "ko@example.com"}
    assert refused(base | {"kind": "email", "config": email}) == {"config.to"}
    # every problem at once
    assert refused(base | {"kind": "email", "config": {"host": "smtp.example.com", "from_address": "nobody"}}) == {
        "config.to",
        "config.from_address",
    }
    assert refused(base | {"kind": "email", "config": email | {"to": ["a@example.com"], "username": "u"}}) == {
        "config.password"
    }
    plain_password = email | {"to": ["a@example.com"], "username": "u", "password": "p", "security": "none"}
    assert refused(base | {"kind": "email", "config": plain_password}) == {"config.security"}
    assert refused(base | {"kind": "webhook", "config": {"url": "https://h.example/x", "secret": "short"}}) == {
        "config.secret"
    }
    assert refused(base | {"name": "has space", "kind": "wecom", "config": {"url": "https://h.example/x"}}) == {"name"}

    made = observability.create(base | {"kind": "wecom", "config": {"url": "https://h.example/x"}})
    path = f"{URL}/{made['id']}"
    resp = observability.call("PATCH", path, ALICE, json={"kind": "dingtalk"})
    assert resp.status_code == 422 and fields(resp) == {"kind"}
    resp = observability.call("PATCH", path, ALICE, json={"config": {"url": "http://"}})
    assert resp.status_code == 422 and fields(resp) == {"config.url"}
    dup = observability.call(
        "POST", URL, ALICE, json=base | {"kind": "wecom", "config": {"url": "https://h.example/y"}}
    )
    assert dup.status_code == 409 and fields(dup) == {"name"}


def test_test_send_over_the_rate_limit_is_refused_with_retry_after(
    observability: Observability, wecom: RobotReceiver
) -> None:
    made = observability.create(
        {"project_id": "p1", "name": "w", "kind": "wecom", "rate_limit_per_minute": 2, "config": {"url": wecom.url}}
    )
    path = f"{URL}/{made['id']}/test"
    assert [observability.call("POST", path, ALICE).status_code for _ in range(2)] == [200, 200]
    over = observability.call("POST", path, ALICE)
    assert over.status_code == 429 and "Retry-After" in over.headers
    assert len(wecom.accepted) == 2
