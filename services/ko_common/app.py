"""The service application factory: lifespan, health, metrics, request ids, errors, body checks.

Every service is ``create_service_app(ServiceSpec(...), settings)``; ``serve``
runs one under uvicorn, which is what ``python -m ko_<service>`` does.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import SecretStr
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ko_common import migrations
from ko_common.bus import ConsumerSpec, DurableConsumer, EventBus, OutboxRelay
from ko_common.db import Database, SessionDep
from ko_common.errors import NotFound, Unauthorized, install_error_handlers
from ko_common.events import add_event_tables
from ko_common.identity import CurrentIdentity
from ko_common.logging import configure_logging, log_fields, request_id_var, trace_id_var
from ko_common.request_body import BodyLimits, RequestBodyMiddleware
from ko_common.settings import Settings

log = logging.getLogger(__name__)

Hook = Callable[[FastAPI], Awaitable[None]]


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    metadata: MetaData
    migrations_dir: Path
    routers: list[APIRouter] = field(default_factory=list)
    consumers: list[ConsumerSpec] = field(default_factory=list)
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    version: str = "0.1.0"
    # How many resources of a project this service holds, by kind; the gateway
    # refuses to delete a project that still owns any.
    project_usage: Callable[[AsyncSession, str], Awaitable[dict[str, int]]] | None = None
    tables: tuple[Table, Table] | None = None

    def __post_init__(self) -> None:
        if "outbox" in self.metadata.tables:
            self.tables = (self.metadata.tables["outbox"], self.metadata.tables["processed_events"])
        else:
            self.tables = add_event_tables(self.metadata)


class RequestContextMiddleware:
    """Request id (``X-Request-ID``, generated if absent), access log line and metrics."""

    def __init__(self, app: ASGIApp, service: str, registry: CollectorRegistry) -> None:
        self.app = app
        self.service = service
        self.requests = Counter("ko_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
        self.latency = Histogram(
            "ko_http_request_duration_seconds", "HTTP request latency", ["method", "route"], registry=registry
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        rid = headers.get("x-request-id") or uuid.uuid4().hex
        rid_token = request_id_var.set(rid)
        trace_token = trace_id_var.set(headers.get("x-trace-id") or rid)
        start = time.perf_counter()
        status = 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*list(message["headers"]), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            if template not in ("/healthz", "/readyz", "/metrics"):
                self.requests.labels(method, template, str(status)).inc()
                self.latency.labels(method, template).observe(elapsed)
                log.info(
                    "%s %s %s",
                    method,
                    scope.get("path", ""),
                    status,
                    extra=log_fields(status=status, duration_ms=round(elapsed * 1000, 1), route=template),
                )
            request_id_var.reset(rid_token)
            trace_id_var.reset(trace_token)


async def _quietly(step: str, action: Awaitable[None]) -> None:
    """One step of shutdown. A failure is one warning line and the next steps still run: when the
    launcher is killed, NATS goes down with it and the client fails to close a dead connection,
    which is expected then and no reason for a traceback."""
    try:
        await action
    except Exception as exc:  # noqa: BLE001 - shutting down anyway
        log.warning("shutdown: %s failed (%s); stopping anyway", step, type(exc).__name__)


def create_service_app(spec: ServiceSpec, settings: Settings) -> FastAPI:
    registry = CollectorRegistry()
    assert spec.tables is not None
    outbox, inbox = spec.tables

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        app.state.identity_key = settings.secret("identity_key")
        db = Database(settings.resolved_database_url, settings.service)
        db.sessionmaker.configure(info={"ko_outbox": outbox, "ko_service": settings.service})
        await migrations.upgrade(db, spec.migrations_dir)
        bus = EventBus(
            settings.nats_url, f"ko-{settings.service}", settings.stream_replicas, settings.events_max_age_days
        )
        relay = OutboxRelay(db, bus, outbox)
        db.after_commit.append(relay.wake)
        app.state.db, app.state.bus, app.state.relay = db, bus, relay
        app.state.consumers = [DurableConsumer(bus, db, inbox, c) for c in spec.consumers]
        tasks = [
            asyncio.create_task(bus.connect(), name="nats-connect"),
            asyncio.create_task(relay.run(), name="outbox-relay"),
        ]
        tasks += [asyncio.create_task(c.run(), name=f"consumer-{c.spec.durable}") for c in app.state.consumers]
        app.state.tasks = tasks
        for hook in spec.on_startup:
            await hook(app)
        log.info("service %s started", settings.service, extra=log_fields(port=settings.port))
        try:
            yield
        finally:
            for hook in spec.on_shutdown:
                await _quietly(f"shutdown hook {hook.__name__}", hook(app))
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            gone = "" if bus.connected else " (NATS is unreachable)"
            await _quietly(f"closing the NATS connection{gone}", bus.close())
            await _quietly("closing the database", db.dispose())

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version=spec.version,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.spec = spec
    install_error_handlers(app)
    # Inside the request context: a refused body gets a request id and an access log line too.
    app.add_middleware(RequestBodyMiddleware, limits=BodyLimits.of(settings))
    app.add_middleware(RequestContextMiddleware, service=settings.service, registry=registry)
    app.include_router(health_router(registry))
    app.include_router(internal_router(spec))
    for router in spec.routers:
        app.include_router(router)
    return app


def internal_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(prefix="/internal", include_in_schema=False)

    @router.get("/projects/{project_id}/usage")
    async def usage(project_id: str, identity: CurrentIdentity, session: SessionDep) -> dict[str, int]:
        identity.require_admin()
        if spec.project_usage is None:
            return {}
        return await spec.project_usage(session, project_id)

    return router


def health_router(registry: CollectorRegistry) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def ready(request: Request) -> JSONResponse:
        checks = await readiness(request.app)
        ok = all(c["status"] == "ok" for c in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        require_metrics_token(request)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def require_metrics_token(request: Request) -> None:
    """Metrics (routes, counts) are not for anonymous callers on a public port.

    A service whose settings have ``metrics_token`` (the gateway, the only public entry) serves
    them only to ``Authorization: Bearer <KO_METRICS_TOKEN>``, and not at all (404) while it is
    unset. The other services listen on loopback or the cluster network and serve them as they are.
    """
    settings = request.app.state.settings
    if not hasattr(settings, "metrics_token"):
        return
    token: SecretStr | None = settings.metrics_token
    if token is None:
        raise NotFound("No such API route: check the path against /api/v1/openapi.json.")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected):
        raise Unauthorized(
            "Metrics need `Authorization: Bearer <KO_METRICS_TOKEN>`.", headers={"WWW-Authenticate": "Bearer"}
        )


async def readiness(app: FastAPI) -> dict[str, dict[str, str]]:
    checks: dict[str, dict[str, str]] = {}
    db: Database | None = getattr(app.state, "db", None)
    try:
        if db is None:
            raise RuntimeError("not started")
        await asyncio.wait_for(db.ping(), timeout=3)
        checks["database"] = {"status": "ok"}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        checks["database"] = {"status": "error", "detail": f"database not reachable ({type(exc).__name__})"}
    bus: EventBus | None = getattr(app.state, "bus", None)
    if bus is not None and bus.connected and bus.ready.is_set():
        checks["nats"] = {"status": "ok"}
    else:
        checks["nats"] = {"status": "error", "detail": "not connected to NATS JetStream"}
    return checks


def serve(factory: Callable[[Settings], FastAPI], settings: Settings) -> None:
    configure_logging(settings.service, settings.log_level, settings.log_json)
    app = factory(settings)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
    )
