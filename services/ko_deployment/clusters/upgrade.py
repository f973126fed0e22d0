"""Day 2: upgrade a running cluster along a path of imported offline packages (operation `upgrade`).

The path goes one minor version at a time: from 1.34.x to 1.36.2 it is the newest imported 1.35
package, then 1.36.2 (a patch upgrade within a minor is one step). Refused before anything changes,
naming `version`: a version that is not newer (downgrades and same-version), one without a ready
package of the cluster's architecture, and a path with a minor version that has no package.

The operation is one list of phases (resumable anywhere, like every operation): `preflight-<v>`
(disk, version skew) of the first step, `etcd-snapshot` once, then per step `packages-<v>` (the new
images and tools on every node, not yet kubeadm or the kubelet), `control-plane-<v>` (one master at
a time), `workers-<v>` (in batches: drained, upgraded, Ready, uncordoned) and `version-<v>` (a step
of this service: the cluster's version is `v` from then on, shown at once); each later step starts
with its own preflight. Each phase gets that step's package through the spec's `phase_vars`.
The nodes' kubelet versions are read by the node health poller as they change.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database, utcnow
from ko_common.errors import InvalidInput
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_common.operations.executors import Step, StepContext, StepFailed
from ko_common.operations.kinds import KindRequest, PhaseDef
from ko_deployment.clusters import events
from ko_deployment.clusters.models import Cluster
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.scaling import ready_for_change
from ko_deployment.clusters.schemas import ClusterEvent, UpgradeRequest
from ko_deployment.clusters.service import Context, get, operation_spec, package_vars
from ko_deployment.operations import service as operations
from ko_deployment.packages.models import OfflinePackage
from ko_deployment.packages.repository import OfflinePackageRepository
from ko_deployment.packages.service import version_key

log = logging.getLogger(__name__)
RECORD_STEP = "record-version"


def upgrade_path(current: str, target: str, available: dict[str, OfflinePackage]) -> list[OfflinePackage]:
    """The packages to go through, one per minor version, ending with `target`'s (InvalidInput: why not)."""
    now, want = version_key(current), version_key(target)
    if want[:3] == (0, 0, 0):
        raise InvalidInput(f"{target!r} is not a Kubernetes version such as 1.36.2.", field="version")
    if want <= now:
        raise InvalidInput(
            f"The cluster runs {current}: an upgrade goes to a newer version, not {target} (no downgrades).",
            field="version",
        )
    if want[0] != now[0]:
        raise InvalidInput(f"{target} is another major version than {current}: not supported.", field="version")
    if target not in available:
        raise InvalidInput(
            f"No ready offline package of Kubernetes {target} for this cluster's architecture: import it first.",
            field="version",
        )
    path: list[OfflinePackage] = []
    for minor in range(now[1] + 1, want[1]):
        candidates = [v for v in available if version_key(v)[:2] == (now[0], minor)]
        if not candidates:
            raise InvalidInput(
                f"The path from {current} to {target} goes through {now[0]}.{minor} (one minor version at a time) "
                f"and no {now[0]}.{minor} package is imported: import one, then upgrade.",
                field="version",
            )
        path.append(available[max(candidates, key=version_key)])
    path.append(available[target])
    return path


def upgrade_phases(req: KindRequest, template: list[PhaseDef]) -> list[PhaseDef]:
    """The phases of operations.yml's `upgrade` once per version of the path, named `<name>-<version>`
    (`etcd-snapshot` once, unnamed, in the first step), each step ending with `version-<version>`."""
    steps = req.spec["extravars"]["ko_upgrade"]["path"]
    phases: list[PhaseDef] = []
    for i, version in enumerate(steps):
        for phase in template:
            if phase.name == "etcd-snapshot":
                if i == 0:
                    phases.append(phase)
                continue
            phases.append(PhaseDef(f"{phase.name}-{version}", phase.target, phase.executor))
        phases.append(PhaseDef(f"version-{version}", RECORD_STEP, executor="python"))
    return phases


async def start(
    session: AsyncSession, identity: Identity, cluster_id: str, body: UpgradeRequest, ctx: Context
) -> Cluster:
    cluster = await get(session, identity, cluster_id, write=True)
    await ready_for_change(session, cluster, "an upgrade starts")
    packages = await OfflinePackageRepository(session).with_status("ready")
    ready = {p.version: p for p in packages if p.arch == cluster.arch}
    path = upgrade_path(cluster.version, body.version, ready)
    current = ready.get(cluster.version)
    spec = operation_spec(cluster, current.manifest if current else path[0].manifest, ctx.repository_url)
    batch = f"{body.worker_batch_percent}%" if body.worker_batch_percent else 1
    spec["extravars"]["ko_upgrade"] = {
        "from": cluster.version,
        "to": body.version,
        "path": [p.version for p in path],
        "batch": batch,
        "snapshot": f"before-upgrade-{cluster.version}-to-{body.version}-{utcnow():%Y%m%dT%H%M%S}.db",
    }
    spec["phase_vars"] = {}
    for package in path:
        step = {
            "ko_package": package_vars(package.version, package.arch, package.manifest, ctx.repository_url),
            "ko_cluster": {"version": package.version},
            "ko_upgrade": {"to": package.version},
        }
        for phase in ("preflight", "control-plane", "workers", "version"):
            spec["phase_vars"][f"{phase}-{package.version}"] = step
        # Only the new images and tools here: kubeadm and the kubelet change node by node, later.
        spec["phase_vars"][f"packages-{package.version}"] = step | {
            "kubernetes_components_binaries": ["crictl", "helm"]
        }
    op = await operations.create(
        session, project_id=cluster.project_id, cluster_id=cluster.id, kind="upgrade", spec=spec,
        created_by=identity.username,
    )  # fmt: skip
    cluster.current_operation_id = op.id
    await ClusterRepository(session).flush()
    await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
               project_id=cluster.project_id)  # fmt: skip
    log.info(
        "upgrade queued",
        extra=log_fields(cluster_id=cluster.id, operation_id=op.id, path=" -> ".join(p.version for p in path)),
    )
    return cluster


def record_version_step(db: Database) -> Step:
    """The python phase `version-<v>`: the cluster's version is `v` from now on (its control plane and
    every kubelet are), shown at once with a cluster event."""

    async def record(step: StepContext) -> None:
        version = ((step.run.spec.get("phase_vars") or {}).get(step.phase) or {}).get("ko_upgrade", {}).get("to")
        if not version:
            raise StepFailed(f"The operation names no version for phase {step.phase}.")
        async with db.transaction() as session:
            cluster = await ClusterRepository(session).get(step.run.cluster_id)
            if cluster is None:
                raise StepFailed("The cluster is gone.")
            if cluster.version != version:
                cluster.version = version
                await session.flush()
                await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
                           project_id=cluster.project_id)  # fmt: skip
        step.log(f"The cluster runs Kubernetes {version}.", changed=True)

    return record
