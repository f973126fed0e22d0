"""Request bodies: malformed JSON is named `body` with line and column, a wrong media type is 415,
an oversized body is 413 before it is read (declared length) or as soon as it passes the limit (chunked)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from ko_common.errors import install_error_handlers
from ko_common.request_body import BodyLimits, RequestBodyMiddleware

LIMITS = BodyLimits(json=1000, upload=4000)


class Thing(BaseModel):
    name: str


def make_app() -> tuple[FastAPI, list[int]]:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RequestBodyMiddleware, limits=LIMITS)
    read: list[int] = []  # how many body bytes each upload route read
    router = APIRouter()

    @router.post("/things")
    async def create(body: Thing) -> dict[str, str]:
        return {"name": body.name}

    @router.post("/upload", openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}})
    async def upload(request: Request) -> dict[str, int]:
        data = await request.body()
        read.append(len(data))
        return {"size": len(data)}

    @router.post("/forward/{rest:path}")
    async def forward(request: Request) -> dict[str, int]:  # like the gateway's: declares no body
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"size": size}

    app.include_router(router)
    return app, read


@pytest.fixture
def client() -> Iterator[TestClient]:
    app, _ = make_app()
    with TestClient(app) as c:
        yield c


def chunks(total: int, size: int = 256) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"x" * n


def test_malformed_json_is_the_body_at_a_line_and_column(client: TestClient) -> None:
    r = client.post("/things", content=b'{\n  "name": "a",,\n}', headers={"content-type": "application/json"})
    assert r.status_code == 422
    body = r.json()
    assert body["fields"] == [{"field": "body", "message": body["fields"][0]["message"]}], body
    assert "line 2, column 15" in body["detail"] and "Expecting property name" in body["detail"], body


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_json_route_refuses_other_media_types_with_415(client: TestClient, kind: str | None) -> None:
    headers = {"content-type": kind} if kind else {}
    r = client.post("/things", content=b'{"name": "a"}', headers=headers)
    assert r.status_code == 415, r.text
    assert r.json()["error"] == "unsupported_media_type" and "application/json" in r.json()["detail"]
    assert client.post("/things", json={"name": "a"}).status_code == 200
    ok = client.post("/things", content=b'{"name": "a"}', headers={"content-type": "application/merge-patch+json"})
    assert ok.status_code == 200


def test_an_upload_route_takes_its_own_types(client: TestClient) -> None:
    assert client.post("/upload", content=b"a,b\n", headers={"content-type": "text/csv; charset=utf-8"}).json() == {
        "size": 4
    }
    r = client.post("/upload", json={"name": "a"})
    assert r.status_code == 415 and "text/csv" in r.json()["detail"], r.text


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    app, read = make_app()
    with TestClient(app) as client:
        r = client.post("/things", content=b"{" + b" " * 1000 + b"}", headers={"content-type": "application/json"})
        assert r.status_code == 413, r.text
        assert r.json()["error"] == "payload_too_large" and "KO_MAX_BODY_BYTES" in r.json()["detail"]
        r = client.post("/upload", content=b"x" * 4001, headers={"content-type": "text/csv"})
        assert r.status_code == 413 and "KO_MAX_UPLOAD_BYTES" in r.json()["detail"], r.text
        assert read == []  # the endpoint never ran
        assert client.post("/upload", content=b"x" * 4000, headers={"content-type": "text/csv"}).status_code == 200


def test_a_chunked_body_is_cut_off_at_the_limit() -> None:
    app, read = make_app()
    with TestClient(app) as client:
        r = client.post("/upload", content=chunks(50_000), headers={"content-type": "text/csv"})
        assert r.status_code == 413 and r.json()["error"] == "payload_too_large", r.text
        assert read == []
        r = client.post("/things", content=chunks(5000), headers={"content-type": "application/json"})
        assert r.status_code == 413, r.text


def test_a_route_without_a_declared_body_gets_the_limit_of_its_media_type(client: TestClient) -> None:
    csv = {"content-type": "text/csv"}
    assert client.post("/forward/x", content=chunks(3000), headers=csv).json() == {"size": 3000}
    assert client.post("/forward/x", content=chunks(5000), headers=csv).status_code == 413
    r = client.post("/forward/x", content=chunks(3000), headers={"content-type": "application/json"})
    assert r.status_code == 413, r.text
    assert client.post("/forward/x", content=b"x" * 5000, headers=csv).status_code == 413


def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from ko_common.request_body import BodyLimits
    from ko_common.settings import Settings

    monkeypatch.setenv("KO_MAX_BODY_BYTES", "2048")
    monkeypatch.setenv("KO_MAX_UPLOAD_BYTES", "8192")
    assert BodyLimits.of(Settings()) == BodyLimits(json=2048, upload=8192)
    assert BodyLimits.of(Settings(max_body_bytes=4096)).json == 4096
