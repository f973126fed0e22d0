"""The gateway application."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from ko_common.app import ServiceSpec, create_service_app
from ko_common.settings import Settings
from ko_gateway.audit.endpoints import router as audit_router
from ko_gateway.audit.middleware import AuditMiddleware
from ko_gateway.auth.endpoints import router as auth_router
from ko_gateway.auth.principal import PrincipalCache
from ko_gateway.auth.service import bootstrap
from ko_gateway.console import mount_console
from ko_gateway.live import operations as _live_operations  # noqa: F401 - adds its route to live_router
from ko_gateway.live.endpoints import router as live_router
from ko_gateway.models import Base
from ko_gateway.projects.endpoints import router as projects_router
from ko_gateway.proxy.endpoints import router as proxy_router
from ko_gateway.repository import router as repository_router
from ko_gateway.settings import GatewaySettings
from ko_gateway.users.endpoints import router as users_router


async def _startup(app: FastAPI) -> None:
    settings: GatewaySettings = app.state.settings
    app.state.service_urls = settings.service_urls()
    app.state.principal_cache = PrincipalCache(settings.auth_cache_seconds)
    app.state.http = httpx.AsyncClient(
        timeout=httpx.Timeout(settings.proxy_timeout_seconds, connect=3.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
    )
    await bootstrap(app.state.db, settings)


async def _shutdown(app: FastAPI) -> None:
    await app.state.http.aclose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings if isinstance(settings, GatewaySettings) else GatewaySettings()
    spec = ServiceSpec(
        name="gateway",
        title="KubeOperator gateway",
        description="Authentication, users, projects, roles, audit; routes /api/v1 to the services.",
        metadata=Base.metadata,
        migrations_dir=Path(__file__).parent / "migrations",
        # The catch-all proxy comes last, after every route the gateway owns.
        routers=[
            auth_router,
            users_router,
            projects_router,
            audit_router,
            live_router,
            repository_router,
            proxy_router,
        ],
        on_startup=[_startup],
        on_shutdown=[_shutdown],
    )
    app = create_service_app(spec, settings)
    app.add_middleware(AuditMiddleware)
    mount_console(app, settings.console_dir)
    return app
