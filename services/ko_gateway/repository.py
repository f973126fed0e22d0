"""``/repository``: the offline repository, read-only, on the gateway's port.

The cluster nodes install everything from the deployment service's repository. Serving it here, on
the one port that is published anyway, means a single address serves the console, the API and the
nodes, on one machine and behind an ingress alike; the deployment service itself can stay on
loopback or the cluster network. Only GET and HEAD pass (anything else: 405), without
authentication, as apt and yum expect; the deployment service serves no listings and no hidden paths.
Bodies are streamed both ways of the size, and range and validation headers pass through, so apt's
partial fetches and If-Modified-Since revalidation work as against the service.
"""

from __future__ import annotations

import logging

import httpx
from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from ko_common.errors import Unavailable
from ko_gateway.proxy.client import client, resolve_dot_segments, service_url

log = logging.getLogger(__name__)

PATH = "/repository"
REQUEST_HEADERS = ("range", "if-range", "if-modified-since", "if-none-match", "accept-encoding")
RESPONSE_HEADERS = (
    "content-type",
    "content-length",
    "content-range",
    "content-encoding",
    "accept-ranges",
    "etag",
    "last-modified",
)

router = APIRouter(include_in_schema=False)


@router.api_route(PATH + "/{path:path}", methods=["GET", "HEAD"])
async def repository_file(path: str, request: Request) -> Response:
    resolve_dot_segments(request.url.path)  # refuses `..`, however it was encoded
    # Forwarded as the node sent it (still percent-encoded): a .deb of an epoch version is named
    # `keepalived_1%3a2.2.7...deb` on disk, which apt asks for as `..._1%253a2.2.7...`; decoded here and
    # sent on, it would be decoded once more upstream and name a file that does not exist.
    raw = request.scope.get("raw_path") or request.url.path.encode()
    forwarded = resolve_dot_segments(raw.decode("latin-1"))
    headers = {k: v for k, v in request.headers.items() if k.lower() in REQUEST_HEADERS}
    upstream = client(request.app).build_request(
        request.method, httpx.URL(service_url(request.app, "deployment") + forwarded), headers=headers
    )
    try:
        response = await client(request.app).send(upstream, stream=True)
    except httpx.TransportError as exc:
        log.warning("repository: deployment service unreachable: %s", type(exc).__name__)
        raise Unavailable(
            "The offline repository is not reachable right now (the deployment service does not answer): "
            "check GET /api/v1/health, then retry."
        ) from exc
    out = {k: v for k, v in response.headers.items() if k.lower() in RESPONSE_HEADERS}
    if request.method == "HEAD":
        await response.aclose()
        return Response(status_code=response.status_code, headers=out)
    return StreamingResponse(
        response.aiter_raw(), status_code=response.status_code, headers=out, background=BackgroundTask(response.aclose)
    )
