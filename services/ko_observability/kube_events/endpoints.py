"""HTTP routes of the Kubernetes-events domain: ``/api/v1/cluster-events`` (the gateway forwards it here)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_observability.kube_events import service
from ko_observability.kube_events.repository import Search
from ko_observability.kube_events.schemas import EventType, KubeEventOut

router = APIRouter(tags=["cluster-events"])


@router.get(
    "/api/v1/cluster-events",
    operation_id="listClusterEvents",
    summary="Kubernetes events of one cluster, or of the clusters of the projects the caller may read; newest first",
    openapi_extra=permission("project:read"),
)
async def list_events(
    session: SessionDep,
    identity: CurrentIdentity,
    cluster_id: Annotated[str | None, Query(max_length=64)] = None,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    namespace: Annotated[str | None, Query(max_length=253)] = None,
    kind: Annotated[str | None, Query(max_length=128, description="Kind of the involved object.")] = None,
    reason: Annotated[str | None, Query(max_length=128)] = None,
    type: Annotated[EventType | None, Query()] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the message or the involved object's name.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[KubeEventOut]:
    query = Search(cluster_id, project_id, namespace, kind, reason, type, q, limit, offset)
    items, total = await service.search(session, identity, query)
    return Page[KubeEventOut](items=[KubeEventOut.of(r) for r in items], total=total, limit=limit, offset=offset)
