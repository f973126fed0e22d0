"""The product starts the way `make run` starts it and reports itself healthy."""

from __future__ import annotations

import httpx

from tests.support.stack import Stack


def test_health_is_green_for_every_service(stack: Stack) -> None:
    r = httpx.get(stack.url + "/api/v1/health", timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "ok"
    assert set(body["services"]) == {"gateway", "inventory", "provisioning", "deployment", "observability", "backup"}
    for name, svc in body["services"].items():
        assert svc["status"] == "ok", (name, svc)
        assert svc["checks"]["database"]["status"] == "ok"
        assert svc["checks"]["nats"]["status"] == "ok"


def test_gateway_has_liveness_readiness_and_no_anonymous_metrics(stack: Stack) -> None:
    assert httpx.get(stack.url + "/healthz").json() == {"status": "ok"}
    assert httpx.get(stack.url + "/readyz").status_code == 200
    # KO_METRICS_TOKEN is unset: the public entry does not serve metrics (tests/gateway/test_public_surface.py).
    assert httpx.get(stack.url + "/metrics").status_code == 404


def test_unknown_api_route_is_a_json_404(stack: Stack) -> None:
    r = httpx.get(stack.url + "/api/v1/no-such-thing")
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"


def test_console_placeholder_when_not_built(stack: Stack) -> None:
    r = httpx.get(stack.url + "/")
    assert r.status_code == 200
    assert "make run" in r.text


def test_docs_page_is_served_offline(stack: Stack) -> None:
    page = httpx.get(stack.url + "/api/v1/docs").text
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in page
    assert httpx.get(stack.url + "/api/v1/docs/static/swagger-ui-bundle.js").status_code == 200
    doc = httpx.get(stack.url + "/api/v1/openapi.json").json()
    assert "/api/v1/credentials" in doc["paths"]
    assert "x-ko-unavailable-services" not in doc["info"]
