"""One request to a service of the monitoring add-on through the cluster's kube-apiserver service proxy
(``/api/v1/namespaces/<ns>/services/http:<name>:<port>/proxy/<path>``), answered as the add-on answered it
or as a typed error naming what is wrong.

Guarantees:
- Only the headers named here reach the cluster (the caller's own credentials, cookies and the signed
  identity never do); the API server sees the cluster's admin credentials alone.
- The path is sent segment by segment, each percent-encoded: a ``.`` or ``..`` segment is refused before
  anything is sent, so no path leaves the add-on's service proxy for another API of the cluster.
- An answer of the API server itself (a ``Status`` object: the service or its endpoints are missing, the
  credentials are refused) becomes ``MonitoringNotInstalled`` (409) or an ``UpstreamError`` (502) with a
  sentence; the add-on's own answers, errors included, pass with their status and content type.
- At most ``max_bytes`` of an answer are read; a larger one is refused (502) rather than cut.
- The API server rewrites absolute links of HTML answers and ``Location`` to its own proxy path; that
  prefix is removed again, so Grafana served from our sub path keeps links under our sub path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from ko_common.errors import Conflict, NotFound, UpstreamError

# Request headers of the caller passed on (the gateway sends no others); everything else is dropped.
FORWARD_REQUEST = ("accept", "accept-language", "content-type")
FORWARD_RESPONSE = ("content-type", "cache-control", "etag", "last-modified", "content-disposition", "location")
SEGMENT_SAFE = "!$&'()*+,;=:@-._~"


class MonitoringNotInstalled(Conflict):
    code = "monitoring_not_installed"


@dataclass(frozen=True)
class Target:
    """A service of the add-on in the cluster, and what to call it in messages."""

    what: str  # "Prometheus", "Grafana"
    namespace: str
    service: str
    port: str

    @property
    def proxy_prefix(self) -> str:
        ref = f"http:{self.service}:{self.port}"
        return f"/api/v1/namespaces/{quote(self.namespace, safe='')}/services/{quote(ref, safe=':')}/proxy"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def proxy_path(target: Target, path: str) -> str:
    segments = path.split("/")
    if any(s in (".", "..") for s in segments):
        raise NotFound("No such path: `.` and `..` segments are not accepted.", field="path")
    return target.proxy_prefix + "/" + "/".join(quote(s, safe=SEGMENT_SAFE) for s in segments)


async def send(
    http: httpx.AsyncClient,
    cluster_id: str,
    target: Target,
    method: str,
    path: str,
    *,
    params: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    own_headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    max_bytes: int,
) -> Answer:
    """Send one request (``http`` is a ``ko_common.kubeclient`` client of the cluster); raises typed errors.

    ``headers`` are the caller's (filtered); ``own_headers`` are this service's, sent as they are."""
    out_headers = {k: v for k, v in (headers or {}).items() if k.lower() in FORWARD_REQUEST} | dict(own_headers or {})
    request = http.build_request(method, proxy_path(target, path), params=list(params), headers=out_headers,
                                 content=body)  # fmt: skip
    try:
        response = await http.send(request, stream=True)
        try:
            data = await _read(response, target, max_bytes)
        finally:
            await response.aclose()
    except httpx.TimeoutException as exc:
        raise UpstreamError(
            f"{target.what} did not answer within {http.timeout.read or 0:g} s through the cluster's API server: "
            "ask for less (a shorter range, a larger step), or retry when the cluster is less busy."
        ) from exc
    except httpx.TransportError as exc:
        raise UpstreamError(
            f"The cluster's API server cannot be reached ({type(exc).__name__}): check the cluster's health."
        ) from exc
    _refuse_apiserver_errors(response, data, target, cluster_id)
    kept = {k.lower(): v for k, v in response.headers.items() if k.lower() in FORWARD_RESPONSE}
    if "location" in kept:
        kept["location"] = _unprefixed_location(kept["location"], target)
    if kept.get("content-type", "").startswith("text/html"):
        data = _unprefixed_html(data, target)
    return Answer(response.status_code, kept, data)


async def _read(response: httpx.Response, target: Target, max_bytes: int) -> bytes:
    chunks, size = [], 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise UpstreamError(
                f"{target.what}'s answer is larger than {max_bytes} bytes (KO_MONITORING_MAX_RESPONSE_BYTES): "
                "ask for less (a shorter range, a larger step, a narrower selector)."
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _status_object(response: httpx.Response, data: bytes) -> dict[str, Any] | None:
    """The API server's own error (``kind: Status``); None for an answer of the add-on."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("kind") == "Status" and body.get("apiVersion") == "v1":
        return body
    return None


def _refuse_apiserver_errors(response: httpx.Response, data: bytes, target: Target, cluster_id: str) -> None:
    status = response.status_code
    if status < 400:
        return
    found = _status_object(response, data)
    if found is None:
        return  # the add-on's own answer (Grafana's 401 to a stranger among them): passed on as it is
    if status in (401, 403):
        raise UpstreamError(
            f"The cluster's API server refuses the admin credentials (HTTP {status}): check the cluster's "
            "health (a renewed certificate is picked up at the next attempt)."
        )
    where = f"{target.namespace}/{target.service}"
    if status == 404:
        raise MonitoringNotInstalled(
            f"{target.what} is not installed in this cluster (no service {where}): install the monitoring "
            f"add-on (PUT /api/v1/clusters/{cluster_id}/addons/monitoring), then retry."
        )
    message = str(found.get("message") or "")
    cause = "it has no ready endpoint" if "no endpoints" in message else "its pods do not answer"
    raise UpstreamError(
        f"{target.what} of this cluster (service {where}) cannot be reached through the API server: {cause} "
        f"(HTTP {status}); check the monitoring add-on's pods in namespace {target.namespace}."
    )


def _unprefixed_location(location: str, target: Target) -> str:
    parts = urlsplit(location)
    path = _strip(parts.path, target)
    return path + (f"?{parts.query}" if parts.query else "")


def _strip(path: str, target: Target) -> str:
    for prefix in _prefixes(target):
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return path


def _prefixes(target: Target) -> list[str]:
    plain = target.proxy_prefix
    return [plain, plain.replace(":", "%3A"), plain.replace(":", "%3a")]


def _unprefixed_html(data: bytes, target: Target) -> bytes:
    for prefix in _prefixes(target):
        data = data.replace(prefix.encode() + b"/", b"/")
    return data
