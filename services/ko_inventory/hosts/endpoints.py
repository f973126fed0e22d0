"""HTTP routes of the hosts domain: /api/v1/hosts (forwarded by the gateway) and /internal/hosts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from ko_common.db import Database, SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_inventory.hosts import service, ssh
from ko_inventory.hosts.schemas import (
    CheckReport,
    HostAccess,
    HostAccessRequest,
    HostChecks,
    HostClaim,
    HostCreate,
    HostKeyAccept,
    HostOut,
    HostRelease,
    HostStatus,
    HostUpdate,
    ImportReport,
)

router = APIRouter(prefix="/api/v1/hosts", tags=["hosts"])
internal = APIRouter(prefix="/internal/hosts", include_in_schema=False)


def _policy(request: Request) -> service.SshPolicy:
    settings: Any = request.app.state.settings
    return service.SshPolicy(
        limits=ssh.Limits(
            connect_timeout=settings.ssh_connect_timeout_seconds,
            command_timeout=settings.ssh_command_timeout_seconds,
        ),
        parallelism=settings.ssh_parallelism,
    )


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


Policy = Annotated[service.SshPolicy, Depends(_policy)]
Db = Annotated[Database, Depends(_db)]


@router.get(
    "",
    operation_id="listHosts",
    summary="List hosts of one project, or of every project the caller may read",
    openapi_extra=permission("project:read"),
)
async def list_hosts(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=64, description="Part of the name, or the start of the IP.")] = None,
    status_: Annotated[HostStatus | None, Query(alias="status")] = None,
    available: Annotated[bool | None, Query(description="true: hosts in no cluster; false: hosts in one.")] = None,
    cluster_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[HostOut]:
    items, total = await service.list_hosts(
        session, identity, project_id, q, status_, available, cluster_id, limit, offset
    )
    return Page[HostOut](items=[HostOut.of(h) for h in items], total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="registerHost",
    summary="Register a host: connects over SSH, records its host key and facts; refused if the check fails",
    description="An address (ip and port) is registered once in the whole installation, whichever project "
    "holds it, so that one machine never ends up in two clusters: a taken address is refused with 409 (the "
    "host and its project are named only to a caller who may read that project).",
    openapi_extra=permission("project:write"),
)
async def register_host(session: SessionDep, identity: CurrentIdentity, body: HostCreate, policy: Policy) -> HostOut:
    return HostOut.of(await service.register(session, identity, body, policy))


@router.post(
    "/import",
    operation_id="importHosts",
    summary="Register many hosts from a CSV or YAML file (columns name, ip, port, credential)",
    description="Send the file as the request body with `Content-Type: text/csv` or `application/yaml`, "
    "at most KO_MAX_UPLOAD_BYTES (default 4 MiB) and 500 hosts. "
    "The whole file is validated first and refused with every problem listed (`rows[N].field`); "
    "then the hosts are checked in parallel and the ones that pass are registered.",
    openapi_extra=permission("project:write")
    | {
        "requestBody": {
            "required": True,
            # The types listed here are the ones the service accepts (any other: 415).
            "content": {kind: {"schema": {"type": "string"}} for kind in service.CSV_TYPES + service.YAML_TYPES},
        }
    },
)
async def import_hosts(
    request: Request,
    identity: CurrentIdentity,
    db: Db,
    policy: Policy,
    project_id: Annotated[str, Query(min_length=1, max_length=64)],
) -> ImportReport:
    data = await request.body()  # its size and type were checked before (ko_common.request_body)
    return await service.import_hosts(db, identity, project_id, request.headers.get("content-type", ""), data, policy)


@router.post(
    "/checks",
    operation_id="checkHosts",
    summary="Check many hosts in parallel (connectivity, login, root, facts)",
    openapi_extra=permission("project:write"),
)
async def check_hosts(identity: CurrentIdentity, db: Db, policy: Policy, body: HostChecks) -> CheckReport:
    return await service.check_many(db, identity, body, policy)


@router.get(
    "/{host_id}",
    operation_id="getHost",
    summary="Get a host with its status and facts",
    openapi_extra=permission("project:read"),
)
async def get_host(session: SessionDep, identity: CurrentIdentity, host_id: str) -> HostOut:
    return HostOut.of(await service.get(session, identity, host_id))


@router.patch(
    "/{host_id}",
    operation_id="updateHost",
    summary="Rename a host, or change its SSH port or credential (checked before it is stored)",
    openapi_extra=permission("project:write"),
)
async def update_host(
    session: SessionDep, identity: CurrentIdentity, host_id: str, body: HostUpdate, policy: Policy
) -> HostOut:
    return HostOut.of(await service.update(session, identity, host_id, body, policy))


@router.delete(
    "/{host_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteHost",
    summary="Remove a host from the inventory (refused while it belongs to a cluster)",
    openapi_extra=permission("project:write"),
)
async def delete_host(session: SessionDep, identity: CurrentIdentity, host_id: str) -> Response:
    await service.delete(session, identity, host_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{host_id}/check",
    operation_id="checkHost",
    summary="Check one host now: connectivity, login, root and facts; the status says the outcome",
    openapi_extra=permission("project:write"),
)
async def check_host(session: SessionDep, identity: CurrentIdentity, host_id: str, policy: Policy) -> HostOut:
    return HostOut.of(await service.check(session, identity, host_id, policy))


@router.post(
    "/{host_id}/host-key/accept",
    operation_id="acceptHostKey",
    summary="Accept the changed SSH host key a host presented (administrators), then check the host",
    openapi_extra=permission("admin"),
)
async def accept_host_key(
    session: SessionDep, identity: CurrentIdentity, host_id: str, body: HostKeyAccept, policy: Policy
) -> HostOut:
    return HostOut.of(await service.accept_host_key(session, identity, host_id, body, policy))


@internal.post("/claim")
async def claim_hosts(session: SessionDep, identity: CurrentIdentity, body: HostClaim) -> list[HostOut]:
    return [HostOut.of(h) for h in await service.claim(session, identity, body)]


@internal.post("/release")
async def release_hosts(session: SessionDep, identity: CurrentIdentity, body: HostRelease) -> list[HostOut]:
    return [HostOut.of(h) for h in await service.release(session, identity, body)]


@internal.post("/access")
async def host_access(session: SessionDep, identity: CurrentIdentity, body: HostAccessRequest) -> list[HostAccess]:
    return await service.access(session, identity, body.host_ids)
