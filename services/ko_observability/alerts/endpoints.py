"""HTTP routes of the alerts domain: /api/v1/alerts, /api/v1/alert-rules, /api/v1/alert-routes and
/api/v1/silences (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ko_common.db import SessionDep, utcnow
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_observability.alerts import service
from ko_observability.alerts.rules import RULES
from ko_observability.alerts.schemas import (
    AlertOut,
    AlertStatus,
    RouteCreate,
    RouteOut,
    RouteUpdate,
    RuleOut,
    SilenceCreate,
    SilenceOut,
)

router = APIRouter(tags=["alerts"])
ProjectQuery = Annotated[str | None, Query(max_length=64)]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]


@router.get(
    "/api/v1/alerts",
    operation_id="listAlerts",
    summary="Alerts of one project, or of every project the caller may read, newest first",
    openapi_extra=permission("project:read"),
)
async def list_alerts(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: ProjectQuery = None,
    cluster_id: Annotated[str | None, Query(max_length=64)] = None,
    alert_status: Annotated[AlertStatus | None, Query(alias="status")] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AlertOut]:
    items, total = await service.list_alerts(
        session, identity, project_id, cluster_id, alert_status, rule, limit, offset
    )
    return Page[AlertOut](items=[AlertOut.of(a) for a in items], total=total, limit=limit, offset=offset)


@router.get(
    "/api/v1/alerts/{alert_id}",
    operation_id="getAlert",
    summary="One alert (firing or resolved)",
    openapi_extra=permission("project:read"),
)
async def get_alert(session: SessionDep, identity: CurrentIdentity, alert_id: str) -> AlertOut:
    return AlertOut.of(await service.get_alert(session, identity, alert_id))


@router.get(
    "/api/v1/alert-rules",
    operation_id="listAlertRules",
    summary="The built-in alert rules, with their severity and texts in English and Chinese",
    openapi_extra=permission("authenticated"),
)
async def list_rules(identity: CurrentIdentity) -> list[RuleOut]:
    return [RuleOut.of(r) for r in RULES.values()]


@router.get(
    "/api/v1/alert-routes",
    operation_id="listAlertRoutes",
    summary="Alert routes of one project, or of every project the caller may read, by name",
    openapi_extra=permission("project:read"),
)
async def list_routes(
    session: SessionDep, identity: CurrentIdentity, project_id: ProjectQuery = None, limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RouteOut]:  # fmt: skip
    items, total = await service.list_routes(session, identity, project_id, limit, offset)
    return Page[RouteOut](items=[RouteOut.of(r) for r in items], total=total, limit=limit, offset=offset)


@router.post(
    "/api/v1/alert-routes",
    status_code=status.HTTP_201_CREATED,
    operation_id="createAlertRoute",
    summary="Route a project's alerts (by rule, severity and cluster) to notification channels of the project",
    openapi_extra=permission("project:write"),
)
async def create_route(session: SessionDep, identity: CurrentIdentity, body: RouteCreate) -> RouteOut:
    return RouteOut.of(await service.create_route(session, identity, body))


@router.get(
    "/api/v1/alert-routes/{route_id}",
    operation_id="getAlertRoute",
    summary="One alert route",
    openapi_extra=permission("project:read"),
)
async def get_route(session: SessionDep, identity: CurrentIdentity, route_id: str) -> RouteOut:
    return RouteOut.of(await service.get_route(session, identity, route_id))


@router.patch(
    "/api/v1/alert-routes/{route_id}",
    operation_id="updateAlertRoute",
    summary="Change an alert route; fields left out keep their values",
    openapi_extra=permission("project:write"),
)
async def update_route(session: SessionDep, identity: CurrentIdentity, route_id: str, body: RouteUpdate) -> RouteOut:
    return RouteOut.of(await service.update_route(session, identity, route_id, body))


@router.delete(
    "/api/v1/alert-routes/{route_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteAlertRoute",
    summary="Delete an alert route (its notices not yet sent are dropped)",
    openapi_extra=permission("project:write"),
)
async def delete_route(session: SessionDep, identity: CurrentIdentity, route_id: str) -> Response:
    await service.delete_route(session, identity, route_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/api/v1/silences",
    operation_id="listSilences",
    summary="Silences of one project, or of every project the caller may read, latest end first",
    openapi_extra=permission("project:read"),
)
async def list_silences(
    session: SessionDep, identity: CurrentIdentity, project_id: ProjectQuery = None, limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SilenceOut]:  # fmt: skip
    items, total = await service.list_silences(session, identity, project_id, limit, offset)
    now = utcnow()
    return Page[SilenceOut](items=[SilenceOut.of(s, now) for s in items], total=total, limit=limit, offset=offset)


@router.post(
    "/api/v1/silences",
    status_code=status.HTTP_201_CREATED,
    operation_id="createSilence",
    summary="Silence a project's alerts matching a rule, cluster and subject (each optional) until ends_at",
    openapi_extra=permission("project:write"),
)
async def create_silence(session: SessionDep, identity: CurrentIdentity, body: SilenceCreate) -> SilenceOut:
    return SilenceOut.of(await service.create_silence(session, identity, body), utcnow())


@router.delete(
    "/api/v1/silences/{silence_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteSilence",
    summary="Expire a silence now: what it kept quiet and still fires is sent",
    openapi_extra=permission("project:write"),
)
async def delete_silence(session: SessionDep, identity: CurrentIdentity, silence_id: str) -> Response:
    await service.expire_silence(session, identity, silence_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
