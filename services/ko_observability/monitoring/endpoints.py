"""HTTP routes of the monitoring domain, under ``/api/v1/clusters/{id}/monitoring`` (the gateway forwards this
sub-path of the deployment's clusters here): the cluster's Prometheus API and Grafana, and the summary."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ko_common.identity import CurrentIdentity, permission
from ko_observability.monitoring import summary, upstream
from ko_observability.monitoring.schemas import MonitoringSummary
from ko_observability.monitoring.service import GRAFANA_SUB_PATH, Monitoring, check_prometheus_path

router = APIRouter(prefix="/api/v1/clusters/{cluster_id}/monitoring", tags=["cluster-monitoring"])
ClusterId = Annotated[str, Path(max_length=64)]
FORM = {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}}}
JSON = {"requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}


def _monitoring(request: Request) -> Monitoring:
    monitoring: Monitoring = request.app.state.monitoring
    return monitoring


MonitoringDep = Annotated[Monitoring, Depends(_monitoring)]


async def _relay(
    monitoring: Monitoring,
    cluster_id: str,
    target: upstream.Target,
    path: str,
    request: Request,
    own_headers: dict[str, str] | None = None,
) -> Response:
    """The caller's request (its method, query, body and the few headers upstream.send passes) to ``target``
    in the cluster; the caller is authorized already."""
    body = await request.body() if request.method == "POST" else None
    async with monitoring.cluster(cluster_id) as http:
        answer = await upstream.send(
            http, cluster_id, target, request.method, path, params=request.query_params.multi_items(),
            headers=request.headers, own_headers=own_headers, body=body,
            max_bytes=monitoring.policy.max_response_bytes,
        )  # fmt: skip
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


async def _prometheus(
    monitoring: Monitoring, identity: CurrentIdentity, cluster_id: str, path: str, request: Request
) -> Response:
    check_prometheus_path(request.method, path)
    await monitoring.authorize(identity, cluster_id)
    return await _relay(monitoring, cluster_id, monitoring.policy.prometheus, path, request)


@router.get(
    "/prometheus/{path:path}",
    operation_id="getClusterPrometheus",
    summary="The cluster's Prometheus HTTP API, read-only paths (api/v1/query, query_range, series, labels, targets…)",
    openapi_extra=permission("project:read"),
)
async def get_prometheus(
    monitoring: MonitoringDep, identity: CurrentIdentity, cluster_id: ClusterId, path: str, request: Request
) -> Response:
    return await _prometheus(monitoring, identity, cluster_id, path, request)


@router.post(
    "/prometheus/{path:path}",
    operation_id="queryClusterPrometheus",
    summary="A query to the cluster's Prometheus as a form (api/v1/query, query_range, series, labels…)",
    openapi_extra=permission("project:read") | FORM,
)
async def post_prometheus(
    monitoring: MonitoringDep, identity: CurrentIdentity, cluster_id: ClusterId, path: str, request: Request
) -> Response:
    return await _prometheus(monitoring, identity, cluster_id, path, request)


@router.get("/grafana", include_in_schema=False)
async def grafana_root(cluster_id: ClusterId) -> RedirectResponse:
    # Grafana's own links are relative to the sub path with its slash.
    return RedirectResponse("grafana/", status_code=307)


@router.get(
    "/grafana/{path:path}",
    operation_id="getClusterGrafana",
    summary="The cluster's Grafana, served from this sub path (the monitoring add-on sets its root_url to it)",
    openapi_extra=permission("project:read"),
)
async def get_grafana(
    monitoring: MonitoringDep, identity: CurrentIdentity, cluster_id: ClusterId, path: str, request: Request
) -> Response:
    return await _grafana(monitoring, identity, cluster_id, path, request)


@router.post(
    "/grafana/api/ds/query",
    operation_id="queryClusterGrafana",
    summary="The queries of Grafana's panels (the one write-shaped path of Grafana served: it reads data only)",
    openapi_extra=permission("project:read") | JSON,
)
async def query_grafana(
    monitoring: MonitoringDep, identity: CurrentIdentity, cluster_id: ClusterId, request: Request
) -> Response:
    return await _grafana(monitoring, identity, cluster_id, "api/ds/query", request)


async def _grafana(
    monitoring: Monitoring, identity: CurrentIdentity, cluster_id: str, path: str, request: Request
) -> Response:
    await monitoring.authorize(identity, cluster_id)
    policy = monitoring.policy
    # Grafana's auth proxy signs the caller in (as a viewer) when the add-on enables it; a prefix keeps our
    # users apart from Grafana's own accounts (its admin among them).
    own = {policy.grafana_user_header: f"ko-{identity.username}"} if policy.grafana_user_header else {}
    sub_path = GRAFANA_SUB_PATH.format(cluster_id=cluster_id) + path
    return await _relay(monitoring, cluster_id, policy.grafana, sub_path, request, own)


@router.get(
    "/summary",
    operation_id="getClusterMonitoringSummary",
    summary="CPU, memory and running pods of the cluster and of each node over the last minutes, from Prometheus",
    openapi_extra=permission("project:read"),
)
async def get_summary(
    monitoring: MonitoringDep,
    identity: CurrentIdentity,
    cluster_id: ClusterId,
    minutes: Annotated[int, Query(ge=5, le=7 * 24 * 60, description="How far back, in minutes.")] = 60,
    step: Annotated[int, Query(ge=15, le=3600, description="Seconds between points.")] = 60,
) -> MonitoringSummary:
    summary.check_range(minutes, step)
    await monitoring.authorize(identity, cluster_id)
    async with monitoring.cluster(cluster_id) as http:
        return await summary.summary(http, cluster_id, monitoring.policy, minutes, step)
