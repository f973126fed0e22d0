"""Typed errors, rendered as ``{"error": code, "detail": sentence}``.

A service raises a KOError subclass; the handler installed by the app factory
turns it into JSON. Payload validation stays 422 with every offending field
named; anything unexpected becomes a 500 with a sentence, never a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)


class KOError(Exception):
    status: int = 500
    code: str = "internal_error"

    def __init__(self, detail: str, *, field: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.headers = headers

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.code, "detail": self.detail}
        if self.field:
            out["field"] = self.field
        return out


class BadRequest(KOError):
    status, code = 400, "bad_request"


class InvalidInput(KOError):
    """A value that passed the schema but not the checks: same shape as schema errors."""

    status, code = 422, "validation_error"

    def __init__(self, detail: str, *, field: str | None = None, fields: list[tuple[str, str]] | None = None) -> None:
        super().__init__(detail, field=field)
        # Several problems at once (a bulk upload): (field, message) each; `field` names the first.
        self.fields = fields or [(field or "request", detail)]
        if fields and field is None:
            self.field = fields[0][0]

    @classmethod
    def many(cls, problems: list[tuple[str, str]], limit: int = 20) -> InvalidInput:
        shown = "; ".join(f"{f}: {m}" for f, m in problems[:limit])
        more = f" (and {len(problems) - limit} more)" if len(problems) > limit else ""
        return cls(shown + more, fields=problems)

    def body(self) -> dict[str, Any]:
        out = super().body()
        out["fields"] = [{"field": f, "message": m} for f, m in self.fields]
        return out


class Unauthorized(KOError):
    status, code = 401, "unauthorized"


class Forbidden(KOError):
    status, code = 403, "forbidden"


class NotFound(KOError):
    status, code = 404, "not_found"


class Conflict(KOError):
    status, code = 409, "conflict"


class Locked(KOError):
    status, code = 423, "locked"


class TooManyRequests(KOError):
    status, code = 429, "too_many_requests"


class Unavailable(KOError):
    status, code = 503, "unavailable"


class UpstreamError(KOError):
    status, code = 502, "bad_gateway"


class PayloadTooLarge(KOError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(KOError):
    status, code = 415, "unsupported_media_type"


class BodyRefused(StarletteHTTPException):
    """A body refused while it is read (ko_common.request_body): wrong media type, or too large.

    An HTTPException, so that FastAPI's body parsing passes it on instead of calling it a parse error."""

    def __init__(self, error: KOError) -> None:
        super().__init__(error.status, error.detail)
        self.error = error


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _json_problem(err: dict[str, Any], document: Any) -> dict[str, str]:
    """A body that is not JSON: FastAPI gives the character offset; say line and column instead."""
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else str(document or "")
    loc = err.get("loc", ())
    pos = loc[-1] if loc and isinstance(loc[-1], int) else 0
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    what = str((err.get("ctx") or {}).get("error") or "invalid syntax")
    return {"field": "body", "message": f"not valid JSON at line {line}, column {column}: {what}"}


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    fields = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            fields.append(_json_problem(err, exc.body))
            continue
        msg = str(err.get("msg", "is invalid"))
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        fields.append({"field": _field_path(err.get("loc", ())), "message": msg})
    detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields) or "The request is invalid."
    return {"error": "validation_error", "detail": detail, "fields": fields}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(KOError)
    async def _ko(_: Request, exc: KOError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(BodyRefused)
    async def _body_refused(_: Request, exc: BodyRefused) -> JSONResponse:
        # The rest of the body is left unread: the connection cannot be reused.
        return JSONResponse(exc.error.body(), status_code=exc.error.status, headers={"Connection": "close"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(exc), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        detail = exc.detail if isinstance(exc.detail, str) else "The request failed."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "No such API route: check the path against /api/v1/openapi.json."
        if exc.status_code == 405:
            detail = "This method is not allowed on this route: see /api/v1/openapi.json."
        return JSONResponse({"error": code, "detail": detail}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", type(exc).__name__)
        return JSONResponse(
            {
                "error": "internal_error",
                "detail": "An internal error occurred; the request id in the logs has the details.",
            },
            status_code=500,
        )
