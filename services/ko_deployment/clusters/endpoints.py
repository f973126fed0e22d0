"""HTTP routes of clusters: /api/v1/clusters (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_deployment.clusters import service, validation
from ko_deployment.clusters.schemas import ClusterCreate, ClusterCreateBody, ClusterOut, ClusterStatus, Unchecked

router = APIRouter(prefix="/api/v1/clusters", tags=["clusters"])


def _context(request: Request) -> service.Context:
    ctx: service.Context = request.app.state.cluster_context
    return ctx


Ctx = Annotated[service.Context, Depends(_context)]


@router.get(
    "",
    operation_id="listClusters",
    summary="List clusters with their status, version, nodes and current operation",
    openapi_extra=permission("project:read"),
)
async def list_clusters(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[ClusterStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ClusterOut]:
    items, total = await service.list_clusters(session, identity, project_id, status_, limit, offset)
    out = [ClusterOut.of(c, await service.operation_ref(session, c)) for c in items]
    return Page[ClusterOut](items=out, total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createCluster",
    summary="Plan a cluster and queue its deploy; returns at once (follow the operation live)",
    openapi_extra=permission("project:write"),
)
async def create_cluster(
    session: SessionDep, identity: CurrentIdentity, body: ClusterCreateBody, ctx: Ctx
) -> ClusterOut:
    plan: ClusterCreate | Unchecked = body
    if isinstance(plan, Unchecked):
        await validation.refuse_unchecked(session, identity, plan, ctx.inventory)
    cluster = await service.create(session, identity, plan, ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.get(
    "/{cluster_id}",
    operation_id="getCluster",
    summary="Get a cluster with its nodes and current operation",
    openapi_extra=permission("project:read"),
)
async def get_cluster(session: SessionDep, identity: CurrentIdentity, cluster_id: str) -> ClusterOut:
    cluster = await service.get(session, identity, cluster_id)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.get(
    "/{cluster_id}/kubeconfig",
    operation_id="downloadKubeconfig",
    summary="Download the cluster's admin kubeconfig (project managers and admins; audited)",
    openapi_extra=permission("project:write")
    | {"responses": {"200": {"content": {"application/yaml": {"schema": {"type": "string"}}}}}},
    response_class=Response,
)
async def download_kubeconfig(session: SessionDep, identity: CurrentIdentity, cluster_id: str) -> Any:
    cluster, text = await service.kubeconfig(session, identity, cluster_id)
    return Response(
        text,
        media_type="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{cluster.name}-kubeconfig.yaml"',
            "Cache-Control": "no-store",
        },
    )


@router.delete(
    "/{cluster_id}",
    operation_id="deleteCluster",
    summary="Delete a cluster: its hosts are reset first (202, follow the reset operation); force forgets it now",
    openapi_extra=permission("project:write"),
    responses={202: {"description": "The reset operation is queued; the cluster goes when it succeeds."}},
)
async def delete_cluster(
    session: SessionDep,
    identity: CurrentIdentity,
    cluster_id: str,
    ctx: Ctx,
    force: Annotated[
        bool,
        Query(description="Forget the cluster without resetting its hosts (hosts that are gone for good)."),
    ] = False,
) -> Response:
    cluster = await service.delete(session, identity, cluster_id, ctx, force=force)
    if cluster is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    body = ClusterOut.of(cluster, await service.operation_ref(session, cluster))
    return Response(body.model_dump_json(), status_code=status.HTTP_202_ACCEPTED, media_type="application/json")
