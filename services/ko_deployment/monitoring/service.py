"""The monitoring stack of a cluster: read, install or change (`monitoring-install`), uninstall.

The settings live with the operations that applied them (the spec's `params`), so the stack's state
is what the last monitoring operation that succeeded did: nothing to keep in step. A change is
checked before it is queued: the cluster is running and idle (409, as every Day-2 operation), the
settings are possible on it (422 naming each field: a storage class needs a storage provisioner, a
size needs a storage class), a change that deletes data carries the cluster's name in `confirm`,
and the cluster's package carries the charts the settings need (409 naming them). The install's
phases each run 40-monitoring.yml with their own `ko_monitoring_phase` (crds, prometheus, logs,
grafana), so progress shows per helm release.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import Conflict
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_common.operations.kinds import KindRegistry, KindRequest, OperationKind, PhaseDef, Transition
from ko_deployment.clusters import events, validation
from ko_deployment.clusters.models import Cluster
from ko_deployment.clusters.phases import phases_of
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.scaling import ready_for_change
from ko_deployment.clusters.schemas import ClusterEvent, OperationRef
from ko_deployment.clusters.service import Context, get, operation_spec
from ko_deployment.monitoring.repository import MonitoringRepository
from ko_deployment.monitoring.schemas import MonitoringOut, MonitoringPut, MonitoringSettings
from ko_deployment.operations import service as operations

log = logging.getLogger(__name__)
INSTALL, UNINSTALL = "monitoring-install", "monitoring-uninstall"
PHASE_PREFIX = "monitoring-"
# The charts of each part of the stack, by their names in the package (the monitoring role's defaults).
PROMETHEUS_CHART = "kube-prometheus-stack"
CHARTS = {"prometheus": (PROMETHEUS_CHART,), "loki": ("loki", "alloy"), "grafana": ("grafana",)}


def install_phases(playbooks_dir: Path) -> list[PhaseDef]:
    return phases_of(playbooks_dir, INSTALL)


def register(kinds: KindRegistry, playbooks_dir: Path) -> None:
    for kind, what, description in (
        (INSTALL, "installation", "Install or change the monitoring stack (Prometheus, Loki with Alloy, Grafana)."),
        (UNINSTALL, "removal", "Remove the monitoring stack's releases and namespace (its data goes)."),
    ):
        ended = Transition(
            "running", f"The monitoring stack's {what} stopped{{at}}: {{reason}} Retry the operation.",
            "it was cancelled.",
        )  # fmt: skip
        kinds.register(
            OperationKind(
                kind,
                phases=_phases(playbooks_dir, kind),
                on_start=Transition("running", f"Monitoring stack: {what} running."),
                on_success=Transition("running", f"Monitoring stack: {what} done."),
                on_failure=ended,
                on_cancel=ended,
                description=description,
            )
        )


def _phases(playbooks_dir: Path, kind: str) -> Any:
    def of(_: KindRequest) -> list[PhaseDef]:
        return phases_of(playbooks_dir, kind)

    return of


async def read(session: AsyncSession, identity: Identity, cluster_id: str) -> MonitoringOut:
    cluster = await get(session, identity, cluster_id)
    repo = MonitoringRepository(session)
    last, done = await repo.last(cluster.id), await repo.last(cluster.id, succeeded=True)
    installed = done is not None and done.kind == INSTALL
    params = (done.spec or {}).get("params") or {} if installed else {}
    charts = dict(params.get("charts") or {})
    return MonitoringOut(
        installed=installed,
        version=charts.get(PROMETHEUS_CHART),
        charts=charts,
        settings=MonitoringSettings.model_validate(params["settings"]) if installed else None,
        operation=_ref(last) if last is not None else None,
    )


async def install(
    session: AsyncSession, identity: Identity, cluster_id: str, body: MonitoringPut, ctx: Context
) -> MonitoringOut:
    """Queue monitoring-install with the settings (`helm upgrade --install`: a first install or a change)."""
    cluster = await get(session, identity, cluster_id, write=True)
    await ready_for_change(session, cluster, "the monitoring stack is installed or changed")
    settings = MonitoringSettings.model_validate(body.model_dump(exclude={"confirm"}))
    done = await MonitoringRepository(session).last(cluster.id, succeeded=True)
    before = ((done.spec or {}).get("params") or {}).get("settings") if done and done.kind == INSTALL else None
    validation.refuse(_problems(cluster, settings, body.confirm, before))
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    manifest = package.manifest if package else {}
    charts = _charts(manifest, settings, cluster)
    spec = operation_spec(cluster, manifest, ctx.repository_url)
    spec["extravars"]["ko_monitoring"] = settings.model_dump(mode="json")
    spec["phase_vars"] = {
        p.name: {"ko_monitoring_phase": p.name.removeprefix(PHASE_PREFIX)}
        for p in install_phases(ctx.playbooks_dir)
        if p.name.startswith(PHASE_PREFIX)
    }
    spec["params"] = {"settings": settings.model_dump(mode="json"), "charts": charts}
    await _queue(session, identity, cluster, INSTALL, spec)
    return await read(session, identity, cluster_id)


async def uninstall(session: AsyncSession, identity: Identity, cluster_id: str, ctx: Context) -> MonitoringOut:
    cluster = await get(session, identity, cluster_id, write=True)
    await ready_for_change(session, cluster, "the monitoring stack is removed")
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    spec = operation_spec(cluster, package.manifest if package else {}, ctx.repository_url)
    await _queue(session, identity, cluster, UNINSTALL, spec)
    return await read(session, identity, cluster_id)


def _ref(op: Any) -> OperationRef:
    current = next((p.name for p in op.phases if p.status in ("running", "failed")), None)
    done = sum(1 for p in op.phases if p.status == "succeeded")
    return OperationRef(id=op.id, kind=op.kind, status=op.status, phase=current, phases_done=done,
                        phases_total=len(op.phases))  # fmt: skip


def _problems(
    cluster: Cluster, settings: MonitoringSettings, confirm: str | None, before: dict[str, Any] | None
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    provisioner = ((cluster.spec or {}).get("storage") or {}).get("provisioner") or "none"
    if settings.storage_class and provisioner == "none":
        problems.append((
            "storage_class", f"cluster {cluster.name} has no storage provisioner (storage.provisioner is none): "
            "leave storage_class out, and the stack keeps its data in emptyDir volumes",
        ))  # fmt: skip
    if settings.storage_size_gi is not None and not settings.storage_class:
        problems.append(("storage_size_gi", "a size is only for volumes of a storage_class: give one, or leave "
                         "storage_size_gi out"))  # fmt: skip
    if before is not None:
        lost = [part for part in ("loki", "grafana") if before.get(part) and not getattr(settings, part)]
        if (before.get("storage_class") or None) != settings.storage_class:
            lost.append("the volumes of the old storage class")
        if lost and confirm != cluster.name:
            problems.append(("confirm", f"this change deletes data ({', '.join(lost)}): type the cluster's name "
                             f"({cluster.name}) to confirm"))  # fmt: skip
    return problems


def _charts(manifest: dict[str, Any], settings: MonitoringSettings, cluster: Cluster) -> dict[str, str]:
    """Chart -> version of the package, for the parts the settings turn on; 409 naming those it lacks."""
    carried = {
        a.get("name"): str(a.get("version")) for a in manifest.get("artifacts") or [] if a.get("kind") == "chart"
    }
    parts = ["prometheus"] + [p for p in ("loki", "grafana") if getattr(settings, p)]
    wanted = [chart for part in parts for chart in CHARTS[part]]
    missing = [c for c in wanted if c not in carried]
    if missing:
        raise Conflict(
            f"The offline package {cluster.version}-{cluster.arch} of cluster {cluster.name} has no chart "
            f"{', '.join(missing)}: import a package built with the monitoring charts and images (the default "
            "versions file names them), or turn loki or grafana off.",
            field="package",
        )
    return {c: carried[c] for c in wanted}


async def _queue(session: AsyncSession, identity: Identity, cluster: Cluster, kind: str, spec: dict[str, Any]) -> None:
    op = await operations.create(
        session, project_id=cluster.project_id, cluster_id=cluster.id, kind=kind, spec=spec,
        created_by=identity.username,
    )  # fmt: skip
    cluster.current_operation_id = op.id
    await ClusterRepository(session).flush()
    await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
               project_id=cluster.project_id)  # fmt: skip
    log.info("monitoring operation queued", extra=log_fields(cluster_id=cluster.id, kind=kind, operation_id=op.id))
