"""Forwarding a call to the service that owns it, with a signed, short-lived identity."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from fastapi import FastAPI, Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from ko_common.errors import NotFound, Unavailable
from ko_common.identity import HEADER, Identity, sign
from ko_common.logging import request_id_var

log = logging.getLogger(__name__)

# Request headers passed on to services; everything else (cookies, Authorization) stays here.
FORWARD_REQUEST = ("content-type", "accept", "accept-language", "content-length", "last-event-id")
FORWARD_RESPONSE = ("content-type", "content-disposition", "cache-control", "retry-after", "location", "etag")


def client(app: FastAPI) -> httpx.AsyncClient:
    http: httpx.AsyncClient = app.state.http
    return http


def service_url(app: FastAPI, service: str) -> str:
    urls: dict[str, str] = app.state.service_urls
    return urls[service]


def signed_headers(app: FastAPI, identity: Identity, service: str) -> dict[str, str]:
    rid = request_id_var.get() or ""
    return {HEADER: sign(identity, app.state.identity_key, service, rid), "X-Request-ID": rid}


# Bodies up to this size are read whole (cheaper); larger ones (uploads, downloads) are streamed.
BUFFER_LIMIT = 1 << 20


async def _request_content(request: Request) -> bytes | AsyncIterator[bytes] | None:
    length = request.headers.get("content-length")
    if length is None and "transfer-encoding" not in request.headers:
        return None
    if length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT:
        return await request.body()
    return request.stream()


def resolve_dot_segments(path: str) -> str:
    """The path without its `.` segments; a path with a `..` segment (`%2e`, `%2f` are decoded by now) is refused.

    The HTTP client would resolve `..` before sending, so /api/v1/clusters/../../internal/... would
    reach a service's internal routes (`/internal/...`, /metrics) that the gateway never exposes. A
    `.` segment goes nowhere and is common: apt asks a flat repository for `debs/./Packages`.
    """
    parts = path.split("/")
    if ".." in parts:
        raise NotFound("No such path: `..` segments are not accepted.")
    return "/".join(p for i, p in enumerate(parts) if p != "." or i == 0)


async def forward(request: Request, service: str, identity: Identity) -> Response:
    path = resolve_dot_segments(request.url.path)
    app = request.app
    headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARD_REQUEST}
    headers.update(signed_headers(app, identity, service))
    url = service_url(app, service) + path
    upstream = client(app).build_request(
        request.method, url, params=request.query_params, headers=headers, content=await _request_content(request)
    )
    try:
        response = await client(app).send(upstream, stream=True)
    except httpx.TransportError as exc:
        log.warning("service %s unreachable: %s", service, type(exc).__name__)
        raise Unavailable(
            f"The {service} service is not reachable right now: check GET /api/v1/health and its logs, then retry."
        ) from exc
    out_headers = {k: v for k, v in response.headers.items() if k.lower() in FORWARD_RESPONSE}
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= BUFFER_LIMIT:
        body = await response.aread()
        await response.aclose()
        return Response(body, status_code=response.status_code, headers=out_headers)
    return StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        headers=out_headers,
        background=BackgroundTask(response.aclose),
    )


async def call(app: FastAPI, service: str, method: str, path: str, identity: Identity, **kwargs: Any) -> httpx.Response:
    """A gateway-originated call to a service (e.g. project usage), identity signed the same way."""
    try:
        return await client(app).request(
            method, service_url(app, service) + path, headers=signed_headers(app, identity, service), **kwargs
        )
    except httpx.TransportError as exc:
        raise Unavailable(f"The {service} service is not reachable right now: retry when it is healthy.") from exc
