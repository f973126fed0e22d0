"""HTTP routes of a cluster's monitoring stack: /api/v1/clusters/{id}/addons/monitoring (forwarded by the gateway)."""

from __future__ import annotations

from fastapi import APIRouter, status

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_deployment.clusters.endpoints import Ctx
from ko_deployment.monitoring import service
from ko_deployment.monitoring.schemas import MonitoringOut, MonitoringPut

router = APIRouter(prefix="/api/v1/clusters/{cluster_id}/addons/monitoring", tags=["monitoring"])


@router.get(
    "",
    operation_id="getClusterMonitoring",
    summary="The cluster's monitoring stack: installed or not, chart versions, settings, the last operation",
    openapi_extra=permission("project:read"),
)
async def get_monitoring(session: SessionDep, identity: CurrentIdentity, cluster_id: str) -> MonitoringOut:
    return await service.read(session, identity, cluster_id)


@router.put(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="putClusterMonitoring",
    summary="Install the monitoring stack or change it to these settings (202, follow the monitoring-install "
    "operation)",
    openapi_extra=permission("project:write"),
)
async def put_monitoring(
    session: SessionDep, identity: CurrentIdentity, cluster_id: str, body: MonitoringPut, ctx: Ctx
) -> MonitoringOut:
    return await service.install(session, identity, cluster_id, body, ctx)


@router.delete(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="deleteClusterMonitoring",
    summary="Remove the monitoring stack: its releases and namespace, with the metrics and logs "
    "(202, follow the monitoring-uninstall operation)",
    openapi_extra=permission("project:write"),
)
async def delete_monitoring(session: SessionDep, identity: CurrentIdentity, cluster_id: str, ctx: Ctx) -> MonitoringOut:
    return await service.uninstall(session, identity, cluster_id, ctx)
