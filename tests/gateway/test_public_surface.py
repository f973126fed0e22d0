"""The gateway is the only public entry: /metrics only with KO_METRICS_TOKEN, and request bodies are
checked there too (media type, size) before anything is read or forwarded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ko_gateway.app import create_app
from ko_gateway.settings import GatewaySettings
from tests.support.procs import NatsServer
from tests.support.serve import served

PASSWORD = "Gateway-Test-Passw0rd!"
TOKEN = "metrics-token-for-the-tests-0123456789"


def upstream(received: list[int]) -> FastAPI:
    """Plays the inventory service: reads whatever the gateway forwards and says how much it got."""

    async def ready(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def take(request: Request) -> JSONResponse:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        received.append(size)
        return JSONResponse({"size": size})

    return FastAPI(routes=[Route("/readyz", ready), Route("/api/v1/hosts/{rest:path}", take, methods=["POST"])])


@pytest.fixture
def gateway(tmp_path: Path, nats_server: NatsServer, request: pytest.FixtureRequest) -> Iterator[tuple[str, list[int]]]:
    received: list[int] = []
    with served(upstream(received), ready_path="/readyz") as inventory_url:
        settings = GatewaySettings(
            **getattr(request, "param", {}),
            data_dir=tmp_path / "data",
            nats_url=nats_server.url,
            identity_key="x" * 32,
            admin_password=PASSWORD,
            inventory_url=inventory_url,
            console_dir=tmp_path / "no-console",
        )
        with served(create_app(settings)) as base:
            yield base, received


def login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, trust_env=False)
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield b"x" * min(size, total - start)


def test_metrics_are_not_served_without_a_token(gateway: tuple[str, list[int]]) -> None:
    base, _ = gateway
    r = httpx.get(base + "/metrics", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 404 and r.json()["error"] == "not_found", r.text
    assert "ko_http_requests" not in r.text


@pytest.mark.parametrize("gateway", [{"metrics_token": TOKEN}], indirect=True)
def test_metrics_need_the_token_when_one_is_set(gateway: tuple[str, list[int]]) -> None:
    base, _ = gateway
    assert httpx.get(base + "/metrics").status_code == 401
    assert httpx.get(base + "/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = httpx.get(base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and "ko_http_requests" in r.text


def test_the_gateways_own_json_routes_check_bodies(gateway: tuple[str, list[int]]) -> None:
    base, _ = gateway
    url = base + "/api/v1/auth/login"
    r = httpx.post(url, content=b'{"username": "admin",, }', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "body", r.text
    assert "line 1, column 22" in r.json()["detail"], r.text
    r = httpx.post(url, content=b'{"username": "a", "password": "b"}', headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type", r.text


def test_a_declared_length_past_every_limit_is_refused_before_anything(gateway: tuple[str, list[int]]) -> None:
    base, received = gateway
    headers: dict[str, Any] = {"content-type": "text/csv", "content-length": str(50 << 20)}
    # Anonymous, 50 MB announced: refused at once, nothing read (only the first chunk is ever sent).
    r = httpx.post(base + "/api/v1/hosts/import", content=chunks(50 << 20), headers=headers, timeout=30)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large", r.text
    assert received == []


def test_forwarded_bodies_are_cut_off_at_the_gateway(gateway: tuple[str, list[int]]) -> None:
    base, received = gateway
    admin = login(base)
    try:
        csv = {"content-type": "text/csv"}
        r = admin.post("/api/v1/hosts/import", params={"project_id": "p"}, content=chunks(3 << 20), headers=csv)
        assert r.status_code == 200 and r.json() == {"size": 3 << 20}, r.text  # an upload may be larger than JSON
        r = admin.post("/api/v1/hosts/import", params={"project_id": "p"}, content=chunks(6 << 20), headers=csv)
        assert r.status_code == 413 and "KO_MAX_UPLOAD_BYTES" in r.json()["detail"], r.text
        r = admin.post("/api/v1/hosts", content=chunks(2 << 20), headers={"content-type": "application/json"})
        assert r.status_code == 413 and "KO_MAX_BODY_BYTES" in r.json()["detail"], r.text
    finally:
        admin.close()
    assert received[0] == 3 << 20
    assert all(size <= 4 << 20 for size in received[1:]), received  # never the whole body past the limit
