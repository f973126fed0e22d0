"""HTTP routes of IP pools, under /api/v1/ip-pools (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from ko_common.db import Database, SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_inventory.ippools import allocator, service
from ko_inventory.ippools.probe import Prober
from ko_inventory.ippools.schemas import (
    Allocation,
    AllocationRequest,
    IpAddressOut,
    IpPoolCreate,
    IpPoolOut,
    IpPoolUpdate,
    Release,
    ReleaseRequest,
    Status,
)

router = APIRouter(prefix="/api/v1/ip-pools", tags=["ip-pools"])


def _database(request: Request) -> Database:
    # Allocation commits in steps of its own (see ippools.allocator), so it takes the database, not a session.
    db: Database = request.app.state.db
    return db


def _prober(request: Request) -> Prober:
    settings = request.app.state.settings
    return Prober(tuple(settings.ip_probe_ports), settings.ip_probe_timeout_seconds)


DatabaseDep = Annotated[Database, Depends(_database)]
ProberDep = Annotated[Prober, Depends(_prober)]


@router.get(
    "",
    operation_id="listIpPools",
    summary="List IP pools of one project, or of every project the caller may read",
    openapi_extra=permission("project:read"),
)
async def list_ip_pools(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=64, description="Part of the name or description.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[IpPoolOut]:
    items, total = await service.list_pools(session, identity, project_id, q, limit, offset)
    return Page[IpPoolOut](items=items, total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createIpPool",
    summary="Create an IP pool: subnet, gateway, DNS servers and the ranges it hands out",
    openapi_extra=permission("project:write"),
)
async def create_ip_pool(session: SessionDep, identity: CurrentIdentity, body: IpPoolCreate) -> IpPoolOut:
    return await service.create(session, identity, body)


@router.get(
    "/{pool_id}",
    operation_id="getIpPool",
    summary="Get an IP pool with its address counts by status",
    openapi_extra=permission("project:read"),
)
async def get_ip_pool(session: SessionDep, identity: CurrentIdentity, pool_id: str) -> IpPoolOut:
    return await service.get_out(session, identity, pool_id)


@router.patch(
    "/{pool_id}",
    operation_id="updateIpPool",
    summary="Change an IP pool; addresses leaving it must not be allocated",
    openapi_extra=permission("project:write"),
)
async def update_ip_pool(session: SessionDep, identity: CurrentIdentity, pool_id: str, body: IpPoolUpdate) -> IpPoolOut:
    return await service.update(session, identity, pool_id, body)


@router.delete(
    "/{pool_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteIpPool",
    summary="Delete an IP pool no zone uses and with no allocated address",
    openapi_extra=permission("project:write"),
)
async def delete_ip_pool(session: SessionDep, identity: CurrentIdentity, pool_id: str) -> Response:
    await service.delete(session, identity, pool_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{pool_id}/addresses",
    operation_id="listIpAddresses",
    summary="List a pool's addresses in address order, by status or owner",
    openapi_extra=permission("project:read"),
)
async def list_ip_addresses(
    session: SessionDep,
    identity: CurrentIdentity,
    pool_id: str,
    status: Status | None = None,
    owner: Annotated[str | None, Query(max_length=255)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[IpAddressOut]:
    items, total = await service.list_addresses(session, identity, pool_id, status, owner, limit, offset)
    return Page[IpAddressOut](items=items, total=total, limit=limit, offset=offset)


@router.post(
    "/{pool_id}/allocations",
    status_code=status.HTTP_201_CREATED,
    operation_id="allocateIpAddresses",
    summary="Hand out free addresses; each is probed first, and one that answers is marked in_use and skipped",
    openapi_extra=permission("project:write"),
)
async def allocate_ip_addresses(
    db: DatabaseDep, prober: ProberDep, identity: CurrentIdentity, pool_id: str, body: AllocationRequest
) -> Allocation:
    return await allocator.allocate(db, identity, pool_id, body, prober)


@router.post(
    "/{pool_id}/releases",
    operation_id="releaseIpAddresses",
    summary="Give addresses back (by address, or all of one owner); they become free",
    openapi_extra=permission("project:write"),
)
async def release_ip_addresses(
    db: DatabaseDep, identity: CurrentIdentity, pool_id: str, body: ReleaseRequest
) -> Release:
    return await allocator.release(db, identity, pool_id, body)
