"""HTTP routes of regions, zones and plans, under /api/v1/{regions,zones,plans} (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_inventory.cloud import service
from ko_inventory.cloud.login import LoginPolicy
from ko_inventory.cloud.schemas import (
    PlanCreate,
    PlanOut,
    PlanUpdate,
    Provider,
    RegionCreate,
    RegionOut,
    RegionTestResult,
    RegionUpdate,
    ZoneCreate,
    ZoneOut,
    ZoneUpdate,
)

regions = APIRouter(prefix="/api/v1/regions", tags=["regions"])
zones = APIRouter(prefix="/api/v1/zones", tags=["zones"])
plans = APIRouter(prefix="/api/v1/plans", tags=["plans"])

ProjectQ = Annotated[str | None, Query(max_length=64)]
SearchQ = Annotated[str | None, Query(max_length=64, description="Part of the name or description.")]
RegionQ = Annotated[str | None, Query(max_length=64, description="Only those of this region.")]
Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]


def _login_policy(request: Request) -> LoginPolicy:
    settings = request.app.state.settings
    return LoginPolicy(settings.region_login_check, settings.region_login_timeout_seconds)


Login = Annotated[LoginPolicy, Depends(_login_policy)]


# --- regions ---------------------------------------------------------------------------------------


@regions.get(
    "",
    operation_id="listRegions",
    summary="List regions of one project, or of every project the caller may read",
    openapi_extra=permission("project:read"),
)
async def list_regions(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: ProjectQ = None,
    q: SearchQ = None,
    provider: Provider | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RegionOut]:
    items, total = await service.list_regions(session, identity, project_id, q, provider, limit, offset)
    return Page[RegionOut](items=[service.region_out(r) for r in items], total=total, limit=limit, offset=offset)


@regions.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createRegion",
    summary="Create a vSphere or OpenStack region once a login to it works (422 naming the field to fix); "
    "its API password is stored encrypted",
    openapi_extra=permission("project:write"),
)
async def create_region(session: SessionDep, identity: CurrentIdentity, body: RegionCreate, policy: Login) -> RegionOut:
    return service.region_out(await service.create_region(session, identity, body, policy))


@regions.get(
    "/{region_id}",
    operation_id="getRegion",
    summary="Get a region (never its password)",
    openapi_extra=permission("project:read"),
)
async def get_region(session: SessionDep, identity: CurrentIdentity, region_id: str) -> RegionOut:
    return service.region_out(await service.get_region(session, identity, region_id))


@regions.patch(
    "/{region_id}",
    operation_id="updateRegion",
    summary="Change a region; a password left out keeps its value; the provider cannot change; "
    "changed credentials are tested first",
    openapi_extra=permission("project:write"),
)
async def update_region(
    session: SessionDep, identity: CurrentIdentity, region_id: str, body: RegionUpdate, policy: Login
) -> RegionOut:
    return service.region_out(await service.update_region(session, identity, region_id, body, policy))


@regions.post(
    "/{region_id}/test",
    operation_id="testRegion",
    summary="Log in to the region's cloud with its stored credentials and out again; changes nothing; "
    "a refused login is ok=false naming the field to fix",
    openapi_extra=permission("project:write"),
)
async def test_region(
    session: SessionDep, identity: CurrentIdentity, region_id: str, policy: Login
) -> RegionTestResult:
    return await service.test_login(session, identity, region_id, policy)


@regions.delete(
    "/{region_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteRegion",
    summary="Delete a region no zone or plan uses",
    openapi_extra=permission("project:write"),
)
async def delete_region(session: SessionDep, identity: CurrentIdentity, region_id: str) -> Response:
    await service.delete_region(session, identity, region_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- zones -----------------------------------------------------------------------------------------


@zones.get(
    "",
    operation_id="listZones",
    summary="List zones of one project (or region), or of every project the caller may read",
    openapi_extra=permission("project:read"),
)
async def list_zones(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: ProjectQ = None,
    region_id: RegionQ = None,
    q: SearchQ = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ZoneOut]:
    items, total = await service.list_zones(session, identity, project_id, q, region_id, limit, offset)
    return Page[ZoneOut](items=items, total=total, limit=limit, offset=offset)


@zones.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createZone",
    summary="Create a zone of a region, with its provider's settings and an IP pool",
    openapi_extra=permission("project:write"),
)
async def create_zone(session: SessionDep, identity: CurrentIdentity, body: ZoneCreate) -> ZoneOut:
    return (await service.zone_outputs(session, [await service.create_zone(session, identity, body)]))[0]


@zones.get("/{zone_id}", operation_id="getZone", summary="Get a zone", openapi_extra=permission("project:read"))
async def get_zone(session: SessionDep, identity: CurrentIdentity, zone_id: str) -> ZoneOut:
    return (await service.zone_outputs(session, [await service.get_zone(session, identity, zone_id)]))[0]


@zones.patch(
    "/{zone_id}",
    operation_id="updateZone",
    summary="Change a zone's name, settings or IP pool (a zone stays in its region)",
    openapi_extra=permission("project:write"),
)
async def update_zone(session: SessionDep, identity: CurrentIdentity, zone_id: str, body: ZoneUpdate) -> ZoneOut:
    return (await service.zone_outputs(session, [await service.update_zone(session, identity, zone_id, body)]))[0]


@zones.delete(
    "/{zone_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteZone",
    summary="Delete a zone no plan uses",
    openapi_extra=permission("project:write"),
)
async def delete_zone(session: SessionDep, identity: CurrentIdentity, zone_id: str) -> Response:
    await service.delete_zone(session, identity, zone_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- plans -----------------------------------------------------------------------------------------


@plans.get(
    "",
    operation_id="listPlans",
    summary="List plans of one project (or region), or of every project the caller may read",
    openapi_extra=permission("project:read"),
)
async def list_plans(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: ProjectQ = None,
    region_id: RegionQ = None,
    q: SearchQ = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[PlanOut]:
    items, total = await service.list_plans(session, identity, project_id, q, region_id, limit, offset)
    return Page[PlanOut](items=items, total=total, limit=limit, offset=offset)


@plans.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createPlan",
    summary="Create a plan: topology, sizes and zones; the answer shows where each VM goes",
    openapi_extra=permission("project:write"),
)
async def create_plan(session: SessionDep, identity: CurrentIdentity, body: PlanCreate) -> PlanOut:
    return (await service.plan_outputs(session, [await service.create_plan(session, identity, body)]))[0]


@plans.get(
    "/{plan_id}",
    operation_id="getPlan",
    summary="Get a plan with its placement",
    openapi_extra=permission("project:read"),
)
async def get_plan(session: SessionDep, identity: CurrentIdentity, plan_id: str) -> PlanOut:
    return (await service.plan_outputs(session, [await service.get_plan(session, identity, plan_id)]))[0]


@plans.patch(
    "/{plan_id}",
    operation_id="updatePlan",
    summary="Change a plan; the result is validated whole",
    openapi_extra=permission("project:write"),
)
async def update_plan(session: SessionDep, identity: CurrentIdentity, plan_id: str, body: PlanUpdate) -> PlanOut:
    return (await service.plan_outputs(session, [await service.update_plan(session, identity, plan_id, body)]))[0]


@plans.delete(
    "/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deletePlan",
    summary="Delete a plan",
    openapi_extra=permission("project:write"),
)
async def delete_plan(session: SessionDep, identity: CurrentIdentity, plan_id: str) -> Response:
    await service.delete_plan(session, identity, plan_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
