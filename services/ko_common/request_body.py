"""Request bodies: which media type a route takes and how large a body may be, checked before it is read.

Every service, and the gateway in front of them, answers

- 415 ``unsupported_media_type`` when a body comes with a media type the route does not take: a
  route with a JSON body takes ``application/json`` (or ``*/*+json``), an upload route the types
  its OpenAPI ``requestBody`` lists (host import: CSV or YAML);
- 413 ``payload_too_large`` when a body is larger than the route allows: at once when
  ``Content-Length`` says so (nothing is read), and for a chunked body as soon as the bytes counted
  while it streams pass the limit, so that no body is ever read or forwarded whole past it.

Limits are settings: ``KO_MAX_BODY_BYTES`` (default 1 MiB) for JSON and every other route,
``KO_MAX_UPLOAD_BYTES`` (default 4 MiB) for upload routes. An internal route that streams a body
through and limits it itself (``openapi_extra={STREAMED: True}``: a backup's snapshot) has none here;
its caller sends it chunked, so the check before routing (on ``Content-Length``) does not apply.
A route that declares no body (the gateway's forwarding route) checks no media type and lets a
non-JSON body have the upload limit: the service behind it checks its own route's type and limit again.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from fastapi.routing import APIRoute
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ko_common.errors import BodyRefused, KOError, PayloadTooLarge, UnsupportedMediaType
from ko_common.settings import Settings

DEFAULT_MAX_BODY_BYTES = 1 << 20
DEFAULT_MAX_UPLOAD_BYTES = 4 << 20
JSON = "application/json"


@dataclass(frozen=True)
class BodyLimits:
    json: int = DEFAULT_MAX_BODY_BYTES
    upload: int = DEFAULT_MAX_UPLOAD_BYTES

    @classmethod
    def of(cls, settings: Settings) -> BodyLimits:
        # KO_MAX_BODY_BYTES and KO_MAX_UPLOAD_BYTES.
        return cls(json=settings.max_body_bytes, upload=settings.max_upload_bytes)


# A route's openapi_extra marking a body it streams through and limits itself (a backup's snapshot,
# gigabytes, sent chunked between services): no size limit here.
STREAMED = "x-ko-streamed-body"


@dataclass(frozen=True)
class Policy:
    """What one route takes: media types (None: not checked), whether its body is an upload, and
    whether the route streams it through and limits it itself."""

    media_types: tuple[str, ...] | None
    upload: bool
    streamed: bool = False


UNDECLARED = Policy(None, upload=False)


def media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def is_json(kind: str) -> bool:
    return kind == JSON or (kind.startswith("application/") and kind.endswith("+json"))


def policy_of(route: BaseRoute | None) -> Policy:
    if not isinstance(route, APIRoute):
        return UNDECLARED
    if (route.openapi_extra or {}).get(STREAMED):
        return Policy(None, upload=False, streamed=True)
    content = ((route.openapi_extra or {}).get("requestBody") or {}).get("content")
    if content:
        return Policy(tuple(str(k).lower() for k in content), upload=True)
    if route.body_field is not None:
        return Policy((JSON,), upload=False)
    return UNDECLARED


def accepts(media_types: tuple[str, ...], kind: str) -> bool:
    return kind in media_types or (JSON in media_types and is_json(kind))


def _size(limit: int) -> str:
    return f"{limit // (1 << 20)} MiB" if limit % (1 << 20) == 0 else f"{limit // 1024} KiB"


def is_upload(policy: Policy, kind: str) -> bool:
    """An upload route's body, or a non-JSON body for a route that declares none (the gateway's forwarding)."""
    return policy.upload or (policy.media_types is None and bool(kind) and not is_json(kind))


def too_large(limits: BodyLimits, upload: bool) -> PayloadTooLarge:
    if upload:
        return PayloadTooLarge(
            f"The file is larger than {_size(limits.upload)} (KO_MAX_UPLOAD_BYTES): split it into smaller files.",
            field="file",
        )
    return PayloadTooLarge(
        f"The request body is larger than {_size(limits.json)} (KO_MAX_BODY_BYTES): send less in one request.",
        field="body",
    )


def unsupported(kind: str, accepted: tuple[str, ...]) -> UnsupportedMediaType:
    got = f"`{kind}`" if kind else "no Content-Type"
    return UnsupportedMediaType(
        f"This route takes {' or '.join(accepted)}, not {got}: send the body with `Content-Type: {accepted[0]}`.",
        field="content-type",
    )


class RequestBodyMiddleware:
    """Checks the media type and size of every request body against its route's policy (see module doc).

    A body larger than any route takes is refused before routing. The rest is checked when the
    route first reads the body (the route is known then, and FastAPI reads a JSON body before it
    solves dependencies); a refusal raised there is answered by the error handlers."""

    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        declared = int(length) if length is not None and length.isdigit() else None
        if not declared and "transfer-encoding" not in headers:
            await self.app(scope, receive, send)  # no body
            return
        kind = media_type(headers)
        if declared is not None and declared > max(self.limits.json, self.limits.upload):
            await self.refuse(scope, receive, send, too_large(self.limits, is_upload(UNDECLARED, kind)))
            return
        limit: int | None = None
        error: PayloadTooLarge | None = None
        seen = 0

        async def checked() -> Message:
            nonlocal limit, error, seen
            if limit is None:
                policy = policy_of(scope.get("route"))
                if policy.media_types is not None and not accepts(policy.media_types, kind):
                    raise BodyRefused(unsupported(kind, policy.media_types))
                upload = is_upload(policy, kind)
                error = too_large(self.limits, upload)
                limit = self.limits.upload if upload else self.limits.json
                if policy.streamed:
                    limit = sys.maxsize
                if declared is not None and declared > limit:
                    raise BodyRefused(error)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    assert error is not None
                    raise BodyRefused(error)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, checked, watched)
        except BodyRefused as exc:  # raised where no error handler answers it
            if started:
                raise
            await self.refuse(scope, receive, send, exc.error)

    @staticmethod
    async def refuse(scope: Scope, receive: Receive, send: Send, error: KOError) -> None:
        # The rest of the body is not read: the connection cannot be reused.
        response = JSONResponse(error.body(), status_code=error.status, headers={"Connection": "close"})
        await response(scope, receive, send)
