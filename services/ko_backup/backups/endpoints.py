"""HTTP routes of backups and restores: per cluster under /api/v1/clusters/{id}/ (the gateway forwards a
cluster's `backups` and `restores` here), and the deployment service's internal delivery routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from ko_backup.backups import service
from ko_backup.backups.repository import BackupRepository, RestoreRepository
from ko_backup.backups.schemas import BackupCreate, BackupOut, Receipt, RestoreCreate, RestoreOut
from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_common.request_body import STREAMED

router = APIRouter(prefix="/api/v1/clusters/{cluster_id}", tags=["backups"])
internal = APIRouter(prefix="/internal/backups/{backup_id}", include_in_schema=False)
ClusterId = Annotated[str, Path(max_length=64)]
BackupId = Annotated[str, Path(max_length=36)]


def _deps(request: Request) -> service.Deps:
    deps: service.Deps = request.app.state.backup_deps
    return deps


Deps = Annotated[service.Deps, Depends(_deps)]


@router.get(
    "/backups",
    operation_id="listClusterBackups",
    summary="List a cluster's backups, newest first (only `good` ones can be restored)",
    openapi_extra=permission("project:read"),
)
async def list_backups(
    cluster_id: ClusterId,
    session: SessionDep,
    identity: CurrentIdentity,
    deps: Deps,
    status_: Annotated[str | None, Query(alias="status", pattern="^(running|good|failed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[BackupOut]:
    await service.cluster_for(deps, identity, cluster_id)
    items, total = await BackupRepository(session).of_cluster(cluster_id, status_, limit, offset)
    return Page[BackupOut](items=[BackupOut.of(b) for b in items], total=total, limit=limit, offset=offset)


@router.post(
    "/backups",
    status_code=status.HTTP_201_CREATED,
    operation_id="createClusterBackup",
    summary="Back up the cluster's etcd (and its PKI, encrypted) to a backup account now; follow operation_id",
    openapi_extra=permission("project:write"),
)
async def create_backup(
    cluster_id: ClusterId, body: BackupCreate, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> BackupOut:
    info = await service.cluster_for(deps, identity, cluster_id, write=True)
    backup = await service.start_backup(session, deps, info, body.account_id, created_by=identity.username)
    return BackupOut.of(backup)


@router.get(
    "/backups/{backup_id}",
    operation_id="getClusterBackup",
    summary="Read one backup of a cluster",
    openapi_extra=permission("project:read"),
)
async def get_backup(
    cluster_id: ClusterId, backup_id: BackupId, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> BackupOut:
    await service.cluster_for(deps, identity, cluster_id)
    return BackupOut.of(await service.get_backup(session, cluster_id, backup_id))


@router.delete(
    "/backups/{backup_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteClusterBackup",
    summary="Delete a backup: its snapshot and PKI are removed from the account",
    openapi_extra=permission("project:write"),
)
async def delete_backup(
    cluster_id: ClusterId, backup_id: BackupId, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> Response:
    await service.cluster_for(deps, identity, cluster_id, write=True)
    backup = await service.get_backup(session, cluster_id, backup_id)
    await service.delete_backup(session, backup, deps.storage_timeout, reason=f"Deleted by {identity.username}.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/restores",
    operation_id="listClusterRestores",
    summary="List a cluster's restores, newest first",
    openapi_extra=permission("project:read"),
)
async def list_restores(
    cluster_id: ClusterId,
    session: SessionDep,
    identity: CurrentIdentity,
    deps: Deps,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[RestoreOut]:
    await service.cluster_for(deps, identity, cluster_id)
    items, total = await RestoreRepository(session).of_cluster(cluster_id, limit, offset)
    return Page[RestoreOut](items=[RestoreOut.of(r) for r in items], total=total, limit=limit, offset=offset)


@router.post(
    "/restores",
    status_code=status.HTTP_201_CREATED,
    operation_id="createClusterRestore",
    summary="Restore the cluster's etcd from a good backup (confirm: the cluster's name); follow operation_id",
    openapi_extra=permission("project:write"),
)
async def create_restore(
    cluster_id: ClusterId, body: RestoreCreate, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> RestoreOut:
    info = await service.cluster_for(deps, identity, cluster_id, write=True)
    restore = await service.start_restore(session, deps, info, body, created_by=identity.username)
    return RestoreOut.of(restore)


# --- internal: the deployment service delivers a backup's files and reads a snapshot back ---


@internal.put("/snapshot", status_code=status.HTTP_204_NO_CONTENT, openapi_extra={STREAMED: True})
async def put_snapshot(
    backup_id: BackupId, request: Request, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> Response:
    identity.require_service("deployment")
    backup = await service.running_backup(session, backup_id)
    await service.receive_snapshot(session, backup, request.stream(), deps.storage_timeout)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@internal.put("/pki", status_code=status.HTTP_204_NO_CONTENT)
async def put_pki(
    backup_id: BackupId, request: Request, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> Response:
    identity.require_service("deployment")
    backup = await service.running_backup(session, backup_id)
    await service.receive_pki(session, backup, await request.body(), deps.storage_timeout)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@internal.post("/receipt")
async def post_receipt(backup_id: BackupId, body: Receipt, session: SessionDep, identity: CurrentIdentity) -> BackupOut:
    identity.require_service("deployment")
    backup = await service.running_backup(session, backup_id)
    return BackupOut.of(await service.complete(session, backup, body))


@internal.get("/snapshot")
async def get_snapshot(
    backup_id: BackupId, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> StreamingResponse:
    identity.require_service("deployment")
    backup, chunks = await service.snapshot_stream(session, backup_id, deps.storage_timeout)
    headers = {"X-Checksum-Sha256": backup.sha256 or "", "Content-Length": str(backup.size or 0)}
    return StreamingResponse(chunks, media_type="application/octet-stream", headers=headers)
