"""HTTP routes of the health domain: ``/api/v1/clusters/{id}/health`` (the gateway forwards this one
sub-path of the deployment's clusters here) and ``/api/v1/cluster-health``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_observability.health import service
from ko_observability.health.schemas import ClusterHealthOut, HealthState

router = APIRouter(tags=["cluster-health"])


@router.get(
    "/api/v1/clusters/{cluster_id}/health",
    operation_id="getClusterHealth",
    summary="A cluster's health: healthy, degraded with reasons, or unreachable since when; nodes and latency",
    openapi_extra=permission("project:read"),
)
async def get_health(
    session: SessionDep, identity: CurrentIdentity, cluster_id: Annotated[str, Path(max_length=64)]
) -> ClusterHealthOut:
    return ClusterHealthOut.of(await service.get(session, identity, cluster_id))


@router.get(
    "/api/v1/cluster-health",
    operation_id="listClusterHealth",
    summary="Health of the clusters of one project, or of every project the caller may read, by name",
    openapi_extra=permission("project:read"),
)
async def list_health(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    state: HealthState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ClusterHealthOut]:
    items, total = await service.list_health(session, identity, project_id, state, limit, offset)
    return Page[ClusterHealthOut](
        items=[ClusterHealthOut.of(r) for r in items], total=total, limit=limit, offset=offset
    )
