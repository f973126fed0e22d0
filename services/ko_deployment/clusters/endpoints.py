"""HTTP routes of clusters: /api/v1/clusters (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_deployment.clusters import certificates, masters, scaling, service, upgrade, validation
from ko_deployment.clusters.schemas import (
    CertificatesOut,
    ClusterCreate,
    ClusterCreateBody,
    ClusterOut,
    ClusterStatus,
    MastersAdd,
    Unchecked,
    UpgradeRequest,
    WorkersAdd,
)

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


@router.post(
    "/{cluster_id}/workers",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="addWorkers",
    summary="Add workers: ready inventory hosts join the running cluster (202, follow the add-workers operation)",
    openapi_extra=permission("project:write"),
)
async def add_workers(
    session: SessionDep, identity: CurrentIdentity, cluster_id: str, body: WorkersAdd, ctx: Ctx
) -> ClusterOut:
    cluster = await scaling.add_workers(session, identity, cluster_id, body, ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.delete(
    "/{cluster_id}/workers/{node}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="removeWorker",
    summary="Remove a worker: cordon, drain, delete the node, reset and release its host (202, follow the operation)",
    openapi_extra=permission("project:write"),
)
async def remove_worker(
    session: SessionDep,
    identity: CurrentIdentity,
    cluster_id: str,
    node: Annotated[str, Path(max_length=255, description="The node's name as the cluster lists it.")],
    ctx: Ctx,
    force: Annotated[
        bool,
        Query(description="The host is dead: delete the node without draining, reset what can be reached."),
    ] = False,
) -> ClusterOut:
    cluster = await scaling.remove_worker(session, identity, cluster_id, node, force, ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.post(
    "/{cluster_id}/masters",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="addMasters",
    summary="Add masters: ready hosts join the control plane and etcd, one member at a time (202, follow it)",
    openapi_extra=permission("project:write"),
)
async def add_masters(
    session: SessionDep, identity: CurrentIdentity, cluster_id: str, body: MastersAdd, ctx: Ctx
) -> ClusterOut:
    cluster = await masters.add_masters(session, identity, cluster_id, body, ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.delete(
    "/{cluster_id}/masters/{node}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="removeMaster",
    summary="Remove a master: refused if etcd would lose its quorum; drained, its etcd member removed, host reset "
    "(202, follow the operation)",
    openapi_extra=permission("project:write"),
)
async def remove_master(
    session: SessionDep,
    identity: CurrentIdentity,
    cluster_id: str,
    node: Annotated[str, Path(max_length=255, description="The master's node name as the cluster lists it.")],
    ctx: Ctx,
    force: Annotated[
        bool,
        Query(description="The host is dead: no drain, its etcd member removed, reset only if it can be reached."),
    ] = False,
) -> ClusterOut:
    cluster = await masters.remove_master(session, identity, cluster_id, node, force, ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.post(
    "/{cluster_id}/upgrade",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="upgradeCluster",
    summary="Upgrade along the imported packages, one minor version at a time (202, follow the upgrade operation)",
    openapi_extra=permission("project:write"),
)
async def upgrade_cluster(
    session: SessionDep, identity: CurrentIdentity, cluster_id: str, body: UpgradeRequest, ctx: Ctx
) -> ClusterOut:
    cluster = await upgrade.start(session, identity, cluster_id, body, ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.get(
    "/{cluster_id}/certificates",
    operation_id="getClusterCertificates",
    summary="The certificates of every node with their expiry, as the last check read them (soonest first)",
    openapi_extra=permission("project:read"),
)
async def get_certificates(session: SessionDep, identity: CurrentIdentity, cluster_id: str) -> CertificatesOut:
    return certificates.of(await service.get(session, identity, cluster_id))


@router.post(
    "/{cluster_id}/certificates/check",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="checkClusterCertificates",
    summary="Read every node's certificates again (202, follow the check-certificates operation)",
    openapi_extra=permission("project:write"),
)
async def check_certificates(session: SessionDep, identity: CurrentIdentity, cluster_id: str, ctx: Ctx) -> ClusterOut:
    cluster = await certificates.start(session, identity, cluster_id, "check-certificates", ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.post(
    "/{cluster_id}/certificates/renew",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="renewClusterCertificates",
    summary="Renew kubeadm's certificates one master at a time, refresh the admin kubeconfig (202, follow it)",
    openapi_extra=permission("project:write"),
)
async def renew_certificates(session: SessionDep, identity: CurrentIdentity, cluster_id: str, ctx: Ctx) -> ClusterOut:
    cluster = await certificates.start(session, identity, cluster_id, "renew-certificates", ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))


@router.post(
    "/{cluster_id}/workers/{node}/rebuild",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="rebuildWorker",
    summary="Rebuild a worker: its node deleted, its host reset and joined again (202, follow the operation)",
    openapi_extra=permission("project:write"),
)
async def rebuild_worker(
    session: SessionDep,
    identity: CurrentIdentity,
    cluster_id: str,
    node: Annotated[str, Path(max_length=255, description="The node's name as the cluster lists it.")],
    ctx: Ctx,
) -> ClusterOut:
    cluster = await scaling.rebuild_worker(session, identity, cluster_id, node, ctx)
    return ClusterOut.of(cluster, await service.operation_ref(session, cluster))
