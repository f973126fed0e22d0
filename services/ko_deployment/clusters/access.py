"""Cluster access for services: a cluster's admin kubeconfig, handed only to the allowed services, audited.

``GET /internal/clusters/{id}/kubeconfig`` (not in the public API; the gateway forwards only
``/api/v1/...`` paths) answers a caller whose signed identity is a service named in
``KO_CLUSTER_ACCESS_SERVICES`` (observability, backup and tools by default). Users, administrators
included, are refused: they download the kubeconfig with ``GET /api/v1/clusters/{id}/kubeconfig``,
which the gateway audits. Authorisation comes before the cluster lookup, so a refused caller
cannot probe cluster ids.

Every grant is a ``ko.deployment.cluster.access-granted`` event in the transaction that reads the
kubeconfig (the answer is sent only once it is committed), every refusal to a service an
``access-refused`` event committed before the error answer, and both a log line; neither ever
carries the kubeconfig. Services call it with ``ko_common.cluster_access.ClusterAccessClient``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Annotated

import yaml
from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.cluster_access import INFO_PATH, PATH
from ko_common.crypto import box_for
from ko_common.db import SessionDep, utcnow
from ko_common.errors import Conflict, Forbidden, NotFound
from ko_common.events import EventSpec, emit
from ko_common.identity import CurrentIdentity, Identity
from ko_common.logging import log_fields
from ko_deployment.clusters import events
from ko_deployment.clusters.models import Cluster
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.schemas import ClusterAccessEvent, ClusterAccessOut, ClusterInfoOut
from ko_deployment.clusters.service import TABLE

log = logging.getLogger(__name__)
SETTING = "KO_CLUSTER_ACCESS_SERVICES"

router = APIRouter(include_in_schema=False)


def _allowed(request: Request) -> tuple[str, ...]:
    services: tuple[str, ...] = tuple(request.app.state.settings.cluster_access_services)
    return services


Allowed = Annotated[tuple[str, ...], Depends(_allowed)]


@router.get(PATH)
async def cluster_kubeconfig(
    session: SessionDep,
    identity: CurrentIdentity,
    allowed: Allowed,
    cluster_id: Annotated[str, Path(max_length=64)],
    response: Response,
) -> ClusterAccessOut:
    response.headers["Cache-Control"] = "no-store"
    return await kubeconfig_for_service(session, identity, cluster_id, allowed)


@router.get(INFO_PATH)
async def cluster_info(
    session: SessionDep, identity: CurrentIdentity, allowed: Allowed, cluster_id: Annotated[str, Path(max_length=64)]
) -> ClusterInfoOut:
    """A cluster's project, status, version and masters for an allowed service (nothing secret: not audited)."""
    if identity.service is None or identity.service not in allowed:
        raise Forbidden(f"Only the services in {SETTING} ({', '.join(allowed) or 'none'}) may read clusters here.")
    cluster = await ClusterRepository(session).get(cluster_id)
    if cluster is None:
        raise NotFound(f"No cluster {cluster_id}: it may have been deleted.", field="cluster_id")
    masters = sorted(n.name for n in cluster.nodes if n.role == "master")
    return ClusterInfoOut(
        cluster_id=cluster.id, project_id=cluster.project_id, name=cluster.name, status=cluster.status,
        version=cluster.version, masters=masters,
    )  # fmt: skip


async def kubeconfig_for_service(
    session: AsyncSession, identity: Identity, cluster_id: str, allowed: Sequence[str]
) -> ClusterAccessOut:
    """The admin kubeconfig for an allowed service; the grant is emitted in the caller's transaction."""
    caller = await _authorise(session, identity, cluster_id, allowed)
    cluster = await ClusterRepository(session).get(cluster_id)
    if cluster is None:
        raise NotFound(f"No cluster {cluster_id}: it may have been deleted.", field="cluster_id")
    if cluster.kubeconfig_enc is None:
        raise Conflict(
            f"Cluster {cluster.name} is not deployed yet ({cluster.status}): its kubeconfig is collected when "
            "its deploy succeeds; retry then.",
            field="cluster_id",
        )
    text = box_for(session).decrypt(cluster.kubeconfig_enc, table=TABLE, row_id=cluster.id, field="kubeconfig")
    await _audit(session, events.ACCESS_GRANTED, cluster_id, cluster, caller)
    log.info(
        "cluster access granted", extra=log_fields(cluster_id=cluster.id, project_id=cluster.project_id, caller=caller)
    )
    return ClusterAccessOut(
        cluster_id=cluster.id,
        project_id=cluster.project_id,
        name=cluster.name,
        server=api_server(text),
        kubeconfig=text,
    )


async def _authorise(session: AsyncSession, identity: Identity, cluster_id: str, allowed: Sequence[str]) -> str:
    """The calling service's name when it is allowed; else Forbidden (a refusal to a service is recorded first)."""
    listed = ", ".join(allowed) or "none"
    caller = identity.service
    if caller is None:
        log.warning("cluster access refused to a user", extra=log_fields(cluster_id=cluster_id, user=identity.username))
        raise Forbidden(
            f"Only the services in {SETTING} ({listed}) may read a cluster's kubeconfig here; users, administrators "
            f"included, download it with GET /api/v1/clusters/{cluster_id}/kubeconfig."
        )
    if caller in allowed:
        return caller
    reason = f"the {caller} service is not in {SETTING} ({listed})"
    await _audit(
        session, events.ACCESS_REFUSED, cluster_id, await ClusterRepository(session).get(cluster_id), caller, reason
    )
    # Committed now: the error answer rolls the request's transaction back, and the refusal must stay recorded.
    await session.commit()
    log.warning("cluster access refused", extra=log_fields(cluster_id=cluster_id, caller=caller, reason=reason))
    raise Forbidden(f"Only the services in {SETTING} ({listed}) may read a cluster's kubeconfig: {reason}.")


async def _audit(
    session: AsyncSession,
    spec: EventSpec,
    cluster_id: str,
    cluster: Cluster | None,
    service: str,
    reason: str | None = None,
) -> None:
    project_id = cluster.project_id if cluster is not None else None
    data = ClusterAccessEvent(cluster_id=cluster_id, project_id=project_id, service=service, at=utcnow(), reason=reason)
    await emit(session, spec, data, subject_id=cluster_id, project_id=project_id)


def api_server(kubeconfig: str) -> str | None:
    """The API server URL of the kubeconfig's current context (else its only cluster), if it is readable."""
    try:
        doc = yaml.safe_load(kubeconfig)
        clusters = {c["name"]: c["cluster"] for c in doc.get("clusters") or []}
        context = {c["name"]: c["context"] for c in doc.get("contexts") or []}.get(doc.get("current-context"))
        chosen = clusters.get(context["cluster"]) if context else None
        if chosen is None and len(clusters) == 1:
            chosen = next(iter(clusters.values()))
        server = chosen.get("server") if chosen else None
    except (yaml.YAMLError, AttributeError, KeyError, TypeError):
        return None  # the kubeconfig itself is still handed out; the URL is a convenience
    return server if isinstance(server, str) else None
