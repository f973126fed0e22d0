"""HTTP routes of a cluster's backup strategy, /api/v1/clusters/{id}/backup-strategy (the gateway forwards
a cluster's `backup-strategy` here)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from ko_backup.backups import service as backups
from ko_backup.backups.endpoints import ClusterId, Deps
from ko_backup.strategies import service
from ko_backup.strategies.schemas import StrategyOut, StrategyPut
from ko_common.db import SessionDep, utcnow
from ko_common.identity import CurrentIdentity, permission

router = APIRouter(prefix="/api/v1/clusters/{cluster_id}/backup-strategy", tags=["backups"])


@router.get(
    "",
    operation_id="getClusterBackupStrategy",
    summary="Read the cluster's backup strategy and its next scheduled run (404 while it has none)",
    openapi_extra=permission("project:read"),
)
async def get_strategy(
    cluster_id: ClusterId, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> StrategyOut:
    await backups.cluster_for(deps, identity, cluster_id)
    return StrategyOut.of(await service.get(session, cluster_id))


@router.put(
    "",
    operation_id="putClusterBackupStrategy",
    summary="Set the cluster's backup strategy: cron (UTC), account, retention by count and age",
    openapi_extra=permission("project:write"),
)
async def put_strategy(
    cluster_id: ClusterId, body: StrategyPut, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> StrategyOut:
    info = await backups.cluster_for(deps, identity, cluster_id, write=True)
    return StrategyOut.of(await service.put(session, info, body, by=identity.username, now=utcnow()))


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteClusterBackupStrategy",
    summary="Remove the cluster's backup strategy (its backups stay)",
    openapi_extra=permission("project:write"),
)
async def delete_strategy(
    cluster_id: ClusterId, session: SessionDep, identity: CurrentIdentity, deps: Deps
) -> Response:
    await backups.cluster_for(deps, identity, cluster_id, write=True)
    await service.delete(session, cluster_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
