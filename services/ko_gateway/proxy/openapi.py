"""One public OpenAPI document: the gateway's own routes merged with every service's."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import time
from typing import Any

from fastapi import FastAPI

from ko_gateway.proxy.client import client, service_url

log = logging.getLogger(__name__)
CACHE_SECONDS = 30.0

SECURITY_SCHEMES = {
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "ko_session",
        "description": "Set by POST /api/v1/auth/login; mutating calls also need the X-CSRF-Token header.",
    },
    "bearerToken": {"type": "http", "scheme": "bearer", "description": "An API token from POST /api/v1/auth/tokens."},
}


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "Machine-readable code, e.g. not_found, conflict, forbidden."},
        "detail": {"type": "string", "description": "A sentence saying what went wrong and how to fix it."},
        "field": {"type": "string", "description": "The request field at fault, when there is one."},
    },
}
VALIDATION_SCHEMA: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["error", "detail", "fields"],
    "properties": {
        "error": {"type": "string", "enum": ["validation_error"]},
        "detail": {"type": "string", "description": "Every problem, as `field: message; ...`."},
        "fields": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _rename_schemas(doc: dict[str, Any], prefix: str, names: set[str]) -> dict[str, Any]:
    text = json.dumps(doc)
    for name in names:
        text = text.replace(f'"#/components/schemas/{name}"', f'"#/components/schemas/{prefix}{name}"')
    out: dict[str, Any] = json.loads(text)
    schemas = out.get("components", {}).get("schemas", {})
    out.setdefault("components", {})["schemas"] = {(prefix + k if k in names else k): v for k, v in schemas.items()}
    return out


def merge(base: dict[str, Any], service: str, doc: dict[str, Any]) -> None:
    """Merge ``doc`` into ``base``; a schema name used differently by two services is prefixed."""
    base_schemas: dict[str, Any] = base.setdefault("components", {}).setdefault("schemas", {})
    theirs = doc.get("components", {}).get("schemas", {})
    clashes = {k for k, v in theirs.items() if k in base_schemas and base_schemas[k] != v}
    if clashes:
        doc = _rename_schemas(doc, service.capitalize(), clashes)
        theirs = doc["components"]["schemas"]
    base_schemas.update(theirs)
    for path, item in doc.get("paths", {}).items():
        if path.startswith("/api/v1/"):
            for op in item.values():
                if isinstance(op, dict):
                    op.setdefault("tags", [service])
                    op["x-ko-service"] = service
            base.setdefault("paths", {})[path] = item


def assemble(gateway_doc: dict[str, Any], service_docs: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """The public document from the gateway's own and each service's (None: unavailable)."""
    doc = copy.deepcopy(gateway_doc)
    doc["info"] = {
        "title": "KubeOperator API",
        "version": doc.get("info", {}).get("version", "0.1.0"),
        "description": "Plan, deploy and operate Kubernetes clusters. Every route lives under /api/v1; "
        'errors are `{"error": code, "detail": sentence}`. `x-ko-permission` on each operation says who may call it.',
    }
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict):
                op["x-ko-service"] = "gateway"
    missing = []
    for service, sub in service_docs.items():
        if sub is None:
            missing.append(service)
        else:
            merge(doc, service, copy.deepcopy(sub))
    doc.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    schemas = doc["components"].setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas["HTTPValidationError"] = VALIDATION_SCHEMA
    schemas.pop("ValidationError", None)
    doc["security"] = [{"sessionCookie": []}, {"bearerToken": []}]
    doc["paths"] = dict(sorted(doc.get("paths", {}).items()))
    doc["components"]["schemas"] = dict(sorted(doc["components"].get("schemas", {}).items()))
    if missing:
        doc["info"]["x-ko-unavailable-services"] = missing
    return doc


async def merged_openapi(app: FastAPI) -> dict[str, Any]:
    cached = getattr(app.state, "openapi_cache", None)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return dict(cached[1])

    async def fetch(service: str) -> tuple[str, dict[str, Any] | None]:
        try:
            response = await client(app).get(service_url(app, service) + "/openapi.json", timeout=5)
            response.raise_for_status()
            return service, response.json()
        except Exception as exc:  # noqa: BLE001 - a down service is reported, not fatal
            log.warning("openapi of %s unavailable: %s", service, type(exc).__name__)
            return service, None

    docs = dict(await asyncio.gather(*(fetch(s) for s in app.state.service_urls)))
    doc = assemble(app.openapi(), docs)
    if all(d is not None for d in docs.values()):
        app.state.openapi_cache = (time.monotonic(), doc)
    return doc
