"""HTTP routes of workspaces, /api/v1/workspaces: VMs created by Terraform from an inventory plan."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from ko_common.db import SessionDep
from ko_common.errors import NotFound
from ko_common.identity import CurrentIdentity, permission
from ko_common.operations.schemas import OperationOut
from ko_provisioning.inventory_client import InventoryClient
from ko_provisioning.operations.service import SERVICE
from ko_provisioning.workspaces import service
from ko_provisioning.workspaces.models import Workspace
from ko_provisioning.workspaces.repository import WorkspaceRepository
from ko_provisioning.workspaces.schemas import VmOut, WorkspaceCreate, WorkspaceOut, WorkspacePage, WorkspaceUpdate

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"])
# The deployment service reads the VMs of a cluster it planned from a plan (the workspace's id is the cluster's).
internal = APIRouter(prefix="/internal/workspaces", include_in_schema=False)


def _inventory(request: Request) -> InventoryClient:
    client: InventoryClient = request.app.state.inventory
    return client


Inventory = Annotated[InventoryClient, Depends(_inventory)]


def out(ws: Workspace, operation: OperationOut | None = None) -> WorkspaceOut:
    vms = [VmOut.model_validate(v, from_attributes=True) for v in ws.vms]
    return WorkspaceOut(
        id=ws.id, project_id=ws.project_id, name=ws.name, plan_id=ws.plan_id, region_id=ws.region_id,
        provider=ws.provider, worker_count=ws.worker_count, status=ws.status, message=ws.message,  # type: ignore[arg-type]
        cluster_id=ws.cluster_id, operation_id=ws.operation_id, operation=operation, vms=vms,
        created_at=ws.created_at, updated_at=ws.updated_at,
    )  # fmt: skip


@router.get(
    "",
    operation_id="listWorkspaces",
    summary="List the workspaces (VMs made from a plan) of the projects you are a member of",
    openapi_extra=permission("project:read"),
)
async def list_workspaces(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> WorkspacePage:
    if project_id is not None:
        identity.require_read(project_id)  # another project's: 404, as for every project-scoped list
    items, total = await WorkspaceRepository(session).page(identity.readable_projects(), project_id, limit, offset)
    return WorkspacePage(items=[out(w) for w in items], total=total)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createWorkspace",
    summary="Create VMs from a plan: addresses from the zones' pools, Terraform, then inventory hosts "
    "(an operation; refused before anything is created when the plan or the pools cannot hold it)",
    openapi_extra=permission("project:write"),
)
async def create_workspace(
    body: WorkspaceCreate, session: SessionDep, identity: CurrentIdentity, inventory: Inventory
) -> WorkspaceOut:
    return out(await service.create(session, identity, body, inventory))


@router.get(
    "/{workspace_id}",
    operation_id="getWorkspace",
    summary="Read a workspace: its VMs with addresses, provider ids and hosts, and its last operation",
    openapi_extra=permission("project:read"),
)
async def get_workspace(workspace_id: str, session: SessionDep, identity: CurrentIdentity) -> WorkspaceOut:
    ws = await service.get(session, identity, workspace_id)
    op = await SERVICE.get(session, identity, ws.operation_id) if ws.operation_id else None
    return out(ws, OperationOut.of(op) if op is not None else None)


@router.patch(
    "/{workspace_id}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="scaleWorkspace",
    summary="Scale a workspace's workers: new VMs in the plan's zones, or the newest ones removed (an operation)",
    openapi_extra=permission("project:write"),
)
async def scale_workspace(
    workspace_id: str, body: WorkspaceUpdate, session: SessionDep, identity: CurrentIdentity, inventory: Inventory
) -> WorkspaceOut:
    return out(await service.scale(session, identity, workspace_id, body, inventory))


@router.post(
    "/{workspace_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="retryWorkspace",
    summary="Retry a failed workspace's operation from the phase it stopped at",
    openapi_extra=permission("project:write"),
)
async def retry_workspace(workspace_id: str, session: SessionDep, identity: CurrentIdentity) -> WorkspaceOut:
    return out(await service.retry(session, identity, workspace_id))


@router.delete(
    "/{workspace_id}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="deleteWorkspace",
    summary="Destroy a workspace's VMs, forget their hosts and give their addresses back (an operation)",
    openapi_extra=permission("project:write"),
)
async def delete_workspace(workspace_id: str, session: SessionDep, identity: CurrentIdentity) -> WorkspaceOut:
    return out(await service.destroy(session, identity, workspace_id))


@internal.get("/{workspace_id}")
async def read_workspace(workspace_id: str, session: SessionDep, identity: CurrentIdentity) -> WorkspaceOut:
    identity.require_service("deployment")
    ws = await WorkspaceRepository(session).get(workspace_id)
    if ws is None:
        raise NotFound(f"No workspace {workspace_id}.", field="workspace_id")
    return out(ws)
