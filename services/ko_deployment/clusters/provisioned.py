"""Clusters whose VMs the provisioning service creates from an inventory plan (`spec.provisioning`).

The cluster's deploy starts with this service's `provision` step, and its reset ends with `deprovision`:
- `provision`: asks the provisioning service for a `provision` operation of the cluster's workspace
  (job request; the workspace's id is the cluster's, made by the first request) and follows it, its
  phases shown as this step's events, so the console's one live view shows the VMs being made then
  Kubernetes deployed. Then the VMs' hosts are checked as any cluster's are (ready, OS, CPUs,
  networks: the same validation), claimed for the cluster, recorded as its nodes, and the deploy's
  spec gets them, so the Ansible phases that follow run on them (the Ansible executor prepares its
  inventory at its first phase for an operation that had no nodes at its start).
- `deprovision`: the reset's hosts given back to inventory, then a `destroy` operation of the workspace
  followed the same way (every VM destroyed, its host forgotten, its address back in its pool).
- Scaling: `add-workers` with a `count` starts with `provision-workers` (the workspace resized to the
  workers it has plus count: new VMs in the plan's zones; they join as the added workers), and
  `remove-workers` of a node ends with `deprovision-worker` (its host given back, then the workspace
  told to remove that VM: it is destroyed and its address freed).
Both are idempotent: the job requests' ids are derived from this operation's id and an attempt
number, so a resumed step follows the same provisioning operation, and a retry after it failed asks
for a new one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database
from ko_common.errors import Conflict
from ko_common.events import emit
from ko_common.identity import Identity, service_identity
from ko_common.operations.executors import PythonExecutor, StepContext, StepFailed
from ko_common.operations.jobs import JobRequestError
from ko_common.operations.kinds import PhaseDef
from ko_common.operations.models import TERMINAL
from ko_common.operations.schemas import OperationOut
from ko_deployment.clusters import events, validation
from ko_deployment.clusters.models import Cluster, ClusterNode
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.schemas import ClusterCreate, ClusterEvent, NodeIn
from ko_deployment.inventory_client import InventoryClient
from ko_deployment.operations.models import TABLES
from ko_deployment.provisioning_client import ProvisioningClient

log = logging.getLogger(__name__)
PROVISION_STEP = "provision"
DEPROVISION_STEP = "deprovision"
GROW_STEP = "provision-workers"
SHRINK_STEP = "deprovision-worker"
PROVISION_PHASE = PhaseDef("provision", PROVISION_STEP, executor="python")
DEPROVISION_PHASE = PhaseDef("deprovision", DEPROVISION_STEP, executor="python")
GROW_PHASE = PhaseDef("provision", GROW_STEP, executor="python")
SHRINK_PHASE = PhaseDef("deprovision", SHRINK_STEP, executor="python")
POLL_SECONDS = 1.0


def is_provisioned(cluster: Cluster) -> bool:
    return bool((cluster.spec or {}).get("provisioning"))


def acting_for(project_id: str) -> Identity:
    """This service reading a cluster's project in inventory for the cluster's own deploy."""
    base = service_identity("deployment")
    return Identity(base.user_id, base.username, projects={project_id: "project-manager"})


async def follow(ctx: StepContext, client: ProvisioningClient, kind: str, params: dict[str, Any]) -> OperationOut:
    """Request `kind` of the cluster's workspace (a new request after an earlier attempt failed) and wait
    for it, showing its phases as they change. Returns the ended operation."""
    run = ctx.run
    for attempt in range(50):
        try:
            ticket = await client.jobs.request(kind, run.project_id, run.cluster_id, params,
                                               request_id=f"{run.operation_id}:{kind}:{attempt}")  # fmt: skip
        except JobRequestError as exc:
            field = f" ({exc.field})" if exc.field else ""
            hint = "Fix the plan, its zones or pools in the inventory, then retry."
            raise StepFailed(f"The provisioning service refused the {kind}{field}: {exc}", hint=hint) from exc
        op = await client.jobs.get(ticket.operation_id)
        if ticket.created or op.status not in ("failed", "cancelled"):
            break  # an earlier attempt's failed operation is passed over: this retry asks again
    ctx.log(f"Provisioning operation {op.id} ({kind}) {'started' if ticket.created else 'followed'}.", task=kind)
    shown: dict[str, str] = {}
    while True:
        for phase in op.phases:
            if shown.get(phase.name) != phase.status and phase.status != "pending":
                shown[phase.name] = phase.status
                failed = phase.status in ("failed", "cancelled")
                ctx.log(f"{kind}: phase {phase.name} {phase.status}.", task=f"{kind}/{phase.name}",
                        status="failed" if failed else "ok", changed=phase.status == "succeeded")  # fmt: skip
        if op.status in TERMINAL:
            return op
        await asyncio.sleep(POLL_SECONDS)
        try:
            op = await client.jobs.get(op.id)
        except JobRequestError as exc:
            if exc.status == 0:  # not reachable for a moment: keep following
                continue
            raise


def register(steps: PythonExecutor, db: Database, inventory: InventoryClient, client: ProvisioningClient,
             package_spec: Any) -> None:  # fmt: skip
    """`package_spec(session, cluster)`: the deploy spec of the cluster (its nodes, extra-vars)."""

    async def provision(ctx: StepContext) -> None:
        run = ctx.run
        async with db.transaction() as session:
            cluster = await _cluster(session, run.cluster_id)
            wanted = dict(cluster.spec["provisioning"])
            if cluster.nodes:
                ctx.log(f"The cluster's {len(cluster.nodes)} VM(s) are its nodes already.")
                return
            params = {"name": cluster.name, "plan_id": wanted["plan_id"], "worker_count": wanted.get("worker_count"),
                      "created_by": cluster.created_by}  # fmt: skip
        op = await follow(ctx, client, "provision", params)
        if op.status != "succeeded":
            reason = op.failure.message if op.failure is not None else f"it was {op.status}"
            raise StepFailed(f"Creating the VMs failed: {reason}",
                             hint="See the workspace's operation; fix the cause, then retry this deploy.")  # fmt: skip
        vms = [v for v in (await client.workspace(run.cluster_id))["vms"] if v["status"] == "registered"]
        hosts = await inventory.project_hosts(acting_for(run.project_id), run.project_id)
        await _adopt(ctx, db, inventory, package_spec, vms, hosts)

    async def deprovision(ctx: StepContext) -> None:
        run = ctx.run
        await inventory.release(service_identity("deployment"), run.cluster_id)
        op = await follow(ctx, client, "destroy", {})
        if op.status != "succeeded":
            reason = op.failure.message if op.failure is not None else f"it was {op.status}"
            raise StepFailed(f"Destroying the VMs failed: {reason}",
                             hint="See the workspace's operation; fix the cause, then retry this delete.")  # fmt: skip

    async def grow(ctx: StepContext) -> None:
        run = ctx.run
        op = await follow(ctx, client, "provision", {"worker_count": run.spec["provisioning_workers"]})
        if op.status != "succeeded":
            reason = op.failure.message if op.failure is not None else f"it was {op.status}"
            raise StepFailed(f"Creating the new VMs failed: {reason}",
                             hint="See the workspace's operation; fix the cause, then retry.")  # fmt: skip
        async with db.transaction() as session:
            members = {n.host_id for n in (await _cluster(session, run.cluster_id)).nodes}
        vms = [v for v in (await client.workspace(run.cluster_id))["vms"]
               if v["status"] == "registered" and v["host_id"] not in members]  # fmt: skip
        hosts = await inventory.project_hosts(acting_for(run.project_id), run.project_id)
        await _adopt(ctx, db, inventory, package_spec, vms, hosts, joining=True)

    async def shrink(ctx: StepContext) -> None:
        run = ctx.run
        names = list(run.spec.get("provisioning_remove") or [])
        async with db.transaction() as session:
            cluster = await _cluster(session, run.cluster_id)
            gone = [n.host_id for n in cluster.nodes if n.name in names]
        if gone:
            await inventory.release(service_identity("deployment"), run.cluster_id, gone)
        op = await follow(ctx, client, "provision", {"remove": names})
        if op.status != "succeeded":
            reason = op.failure.message if op.failure is not None else f"it was {op.status}"
            raise StepFailed(f"Destroying the VM of {', '.join(names)} failed: {reason}",
                             hint="See the workspace's operation; fix the cause, then retry.")  # fmt: skip

    steps.steps[PROVISION_STEP] = provision
    steps.steps[DEPROVISION_STEP] = deprovision
    steps.steps[GROW_STEP] = grow
    steps.steps[SHRINK_STEP] = shrink


async def grow_cluster(session: AsyncSession, identity: Identity, cluster: Cluster, count: int, ctx: Any) -> Cluster:
    """Queue `add-workers` of `count` new VMs (the caller checked the cluster may change)."""
    from ko_deployment.clusters.phases import phases_of
    from ko_deployment.clusters.service import operation_spec
    from ko_deployment.operations import service as operations

    package = await validation.ready_package(session, cluster.version, cluster.arch)
    if package is None:
        raise Conflict(
            f"The offline package of Kubernetes {cluster.version} ({cluster.arch}) is not imported any more: "
            "import it again under Offline packages, then add the workers.",
            field="cluster_id",
        )
    spec = operation_spec(cluster, package.manifest, ctx.repository_url)
    spec["provisioning_workers"] = sum(1 for n in cluster.nodes if n.role == "worker") + count
    op = await operations.create(
        session, project_id=cluster.project_id, cluster_id=cluster.id, kind="add-workers", spec=spec,
        created_by=identity.username, phases=[GROW_PHASE, *phases_of(ctx.playbooks_dir, "add-workers")],
    )  # fmt: skip
    cluster.current_operation_id = op.id
    await ClusterRepository(session).flush()
    await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id, project_id=cluster.project_id)
    return cluster


async def _cluster(session: AsyncSession, cluster_id: str) -> Cluster:
    cluster = await ClusterRepository(session).get(cluster_id)
    if cluster is None:
        raise StepFailed(f"Cluster {cluster_id} no longer exists.")
    return cluster


async def _adopt(ctx: StepContext, db: Database, inventory: InventoryClient, package_spec: Any,
                 vms: list[dict[str, Any]], hosts: list[dict[str, Any]], *, joining: bool = False) -> None:  # fmt: skip
    """The VMs' hosts checked like chosen hosts, claimed, recorded as nodes and given to the operation: the
    cluster's first nodes (a deploy), or `joining` workers (an add)."""
    from ko_deployment.clusters.scaling import new_host_problems

    run = ctx.run
    nodes = [NodeIn(host_id=v["host_id"], role=v["role"]) for v in vms]
    by_id = {h["id"]: h for h in hosts}
    async with db.transaction() as session:
        cluster = await _cluster(session, run.cluster_id)
        if joining:
            problems = new_host_problems(nodes, by_id, {n.host_id for n in cluster.nodes})
        else:
            body = ClusterCreate.model_validate({
                "project_id": cluster.project_id, "name": cluster.name, "version": cluster.version,
                "arch": cluster.arch, **{k: v for k, v in cluster.spec.items() if k != "provisioning"},
                "nodes": [n.model_dump() for n in nodes],
            })  # fmt: skip
            problems = validation.check(body, hosts, await validation.known_versions(session, cluster.arch))
    if problems:
        hint = "Fix the plan (sizes, template, network), then retry."
        raise StepFailed("The VMs cannot join the cluster: " + "; ".join(f"{f}: {m}" for f, m in problems), hint=hint)
    if nodes:
        await inventory.claim(acting_for(run.project_id), run.project_id, run.cluster_id, [n.host_id for n in nodes])
    async with db.transaction() as session:
        cluster = await _cluster(session, run.cluster_id)
        first = max((n.position for n in cluster.nodes), default=-1) + 1
        for i, n in enumerate(nodes):
            host = by_id[n.host_id]
            cluster.nodes.append(ClusterNode(position=first + i, host_id=n.host_id, name=host["name"], ip=host["ip"],
                                             role=n.role, status="joining" if joining else "pending"))  # fmt: skip
        await session.flush()
        spec = {**run.spec, **(await package_spec(session, cluster))}
        # Stored: a resumed operation (another worker, after a crash) runs its Ansible phases on these nodes.
        await session.execute(update(TABLES.operation).where(TABLES.operation.id == run.operation_id).values(spec=spec))
    run.spec.clear()
    run.spec.update(spec)
    for n in nodes:
        host = by_id[n.host_id]
        ctx.log(f"{host['name']} ({host['ip']}) joins as a {n.role}.", host=host["name"], changed=True)
