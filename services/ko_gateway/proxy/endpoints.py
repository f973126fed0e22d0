"""Forwarding, the merged OpenAPI and docs page, and the product-wide health."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import swagger_ui_bundle
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from starlette.responses import Response

from ko_common.app import readiness
from ko_common.errors import NotFound, Unauthorized
from ko_common.identity import permission
from ko_gateway.auth.principal import OptionalPrincipal
from ko_gateway.proxy.client import client, forward, service_url
from ko_gateway.proxy.openapi import merged_openapi
from ko_gateway.proxy.routes import owner_of

router = APIRouter(tags=["system"])
SWAGGER_DIR = Path(swagger_ui_bundle.swagger_ui_path)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@router.get("/api/v1/openapi.json", include_in_schema=False)
async def openapi(request: Request) -> JSONResponse:
    return JSONResponse(await merged_openapi(request.app))


@router.get("/api/v1/docs", include_in_schema=False)
async def docs() -> HTMLResponse:
    # Served from the swagger-ui-bundle package: no CDN, works offline.
    return get_swagger_ui_html(
        openapi_url="/api/v1/openapi.json",
        title="KubeOperator API",
        swagger_js_url="/api/v1/docs/static/swagger-ui-bundle.js",
        swagger_css_url="/api/v1/docs/static/swagger-ui.css",
        swagger_favicon_url="/api/v1/docs/static/favicon-32x32.png",
    )


@router.get("/api/v1/docs/static/{name}", include_in_schema=False)
async def docs_static(name: str) -> FileResponse:
    path = (SWAGGER_DIR / name).resolve()
    if not path.is_file() or not path.is_relative_to(SWAGGER_DIR.resolve()):
        raise NotFound(f"No documentation asset {name}.")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})


@router.get("/api/v1/health", operation_id="getHealth", openapi_extra=permission("public"))
async def health(request: Request) -> JSONResponse:
    """Health of the gateway, NATS and every service (200 when all are ready, 503 otherwise)."""
    app = request.app

    async def probe(service: str) -> tuple[str, dict[str, Any]]:
        try:
            response = await client(app).get(service_url(app, service) + "/readyz", timeout=3)
            body = response.json()
            return service, {
                "status": "ok" if response.status_code == 200 else "error",
                "checks": body.get("checks", {}),
            }
        except Exception as exc:  # noqa: BLE001 - reported as a status
            return service, {"status": "error", "detail": f"not reachable ({type(exc).__name__})"}

    own = await readiness(app)
    services: dict[str, Any] = {
        "gateway": {"status": "ok" if all(c["status"] == "ok" for c in own.values()) else "error", "checks": own}
    }
    services.update(dict(await asyncio.gather(*(probe(s) for s in app.state.service_urls))))
    ok = all(s["status"] == "ok" for s in services.values())
    return JSONResponse({"status": "ok" if ok else "degraded", "services": services}, status_code=200 if ok else 503)


async def _proxy(resource: str, request: Request, principal: OptionalPrincipal) -> Response:
    service = owner_of(resource, request.path_params.get("rest", ""))
    if service is None:
        raise NotFound(f"No API resource /api/v1/{resource}: see /api/v1/docs for the list.")
    if principal is None:
        raise Unauthorized("Not logged in: log in, or send `Authorization: Bearer <token>`.")
    return await forward(request, service, principal.identity)


router.add_api_route("/api/v1/{resource}", _proxy, methods=METHODS, include_in_schema=False)
router.add_api_route("/api/v1/{resource}/{rest:path}", _proxy, methods=METHODS, include_in_schema=False)
