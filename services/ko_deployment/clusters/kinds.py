"""The operation kinds of clusters (deploy, reset) and how their progress shows on the cluster.

Registered with the engine when the service starts; the engine applies them in the same transaction
as the operation's own change (start, end, a cancel of a queued operation), so a cluster's status
never disagrees with its operation's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import box_for
from ko_common.events import emit
from ko_common.identity import service_identity
from ko_common.operations.kinds import Effect, KindRegistry, KindRequest, OperationKind, PhaseDef, Transition
from ko_deployment.clusters import events
from ko_deployment.clusters.phases import phases_of
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.schemas import ClusterEvent
from ko_deployment.clusters.service import TABLE, forget
from ko_deployment.clusters.upgrade import upgrade_phases
from ko_deployment.inventory_client import InventoryClient

RESET_FAILED = Transition(
    "failed", "{reason} Retry the reset, or delete with force to forget the cluster.", "The reset was cancelled."
)


def register(kinds: KindRegistry, playbooks_dir: Path, inventory: InventoryClient | None) -> None:
    """deploy, reset, add-workers, remove-workers and the certificates', with their phases from the Ansible content."""
    from ko_deployment.clusters.certificates import store_checked  # it imports this module's neighbours

    def phases(kind: str) -> Any:
        def of(_: KindRequest) -> list[PhaseDef]:
            return phases_of(playbooks_dir, kind)

        return of

    kinds.sink = show_on_cluster
    kinds.register(
        OperationKind(
            "deploy",
            phases=phases("deploy"),
            on_start=Transition("deploying", "Deploying."),
            on_success=Transition("running", "Deployed."),
            on_failure=Transition("failed", "{reason} Fix it, then retry the operation.", "The deploy failed."),
            # Still `failed` (not usable, hosts claimed, the same ways out); the message says what happened.
            on_cancel=Transition(
                "failed", "The deploy was cancelled{at}. Retry it to resume there, or delete the cluster."
            ),
            effect=collect_deploy,
            description="Install Kubernetes on the cluster's hosts, phase by phase.",
        )
    )
    kinds.register(
        OperationKind(
            "reset",
            phases=phases("reset"),
            on_failure=RESET_FAILED,
            on_cancel=RESET_FAILED,
            effect=forget_after_reset(inventory),
            description="Reset the cluster's hosts, then forget the cluster and release its hosts.",
        )
    )
    kinds.register(
        OperationKind(
            "add-workers",
            phases=phases("add-workers"),
            on_start=Transition("scaling", "Adding workers."),
            on_success=Transition("running", "Workers added."),
            on_failure=Transition(
                "running",
                "Adding workers failed{at}: {reason} Retry the operation, or remove the new workers.",
                "no reason given",
            ),
            on_cancel=Transition("running", "Adding workers was cancelled{at}. Retry it, or remove the new workers."),
            effect=workers_joined,
            description="Join ready inventory hosts as workers (fresh bootstrap token; labels and taints asked for).",
        )
    )
    remove_failed = Transition(
        "running",
        "Removing workers stopped{at}: {reason} Retry the operation, or remove with force=true if the host is dead.",
        "it was cancelled.",
    )
    kinds.register(
        OperationKind(
            "remove-workers",
            phases=phases("remove-workers"),
            on_start=Transition("scaling", "Removing workers."),
            on_success=Transition("running", "Workers removed."),
            on_failure=remove_failed,
            on_cancel=remove_failed,
            effect=workers_removed(inventory),
            description="Cordon and drain workers, delete their nodes, reset their hosts and release them.",
        )
    )
    kinds.register(
        OperationKind(
            "rebuild-worker",
            phases=phases("rebuild-worker"),
            on_start=Transition("scaling", "Rebuilding a worker."),
            on_success=Transition("running", "Worker rebuilt."),
            on_failure=Transition(
                "running", "Rebuilding the worker stopped{at}: {reason} Retry the operation.", "no reason given"
            ),
            on_cancel=Transition("running", "Rebuilding the worker was cancelled{at}. Retry it."),
            effect=workers_joined,
            description="Reset a worker's host and join it again.",
        )
    )
    kinds.register(
        OperationKind(
            "add-masters",
            phases=phases("add-masters"),
            on_start=Transition("scaling", "Adding masters."),
            on_success=Transition("running", "Masters added."),
            on_failure=Transition(
                "running",
                "Adding masters failed{at}: {reason} Retry the operation, or remove the new masters with force=true.",
                "no reason given",
            ),
            on_cancel=Transition(
                "running", "Adding masters was cancelled{at}. Retry it, or remove the new masters with force=true."
            ),
            effect=workers_joined,
            description="Join ready inventory hosts as masters: etcd members one at a time, load balancers updated.",
        )
    )
    remove_master_failed = Transition(
        "running",
        "Removing the master stopped{at}: {reason} Retry the operation, or remove with force=true if the host is dead.",
        "it was cancelled.",
    )
    kinds.register(
        OperationKind(
            "remove-masters",
            phases=phases("remove-masters"),
            on_start=Transition("scaling", "Removing a master."),
            on_success=Transition("running", "Master removed."),
            on_failure=remove_master_failed,
            on_cancel=remove_master_failed,
            effect=workers_removed(inventory, kubeconfig=True),  # the first master may change
            description="Drain a master, remove its etcd member while the others are healthy, reset and release it.",
        )
    )
    upgrade_stopped = Transition(
        "running",
        "The upgrade stopped{at}: {reason} Retry it to resume there (the cluster runs the version shown).",
        "it was cancelled.",
    )
    kinds.register(
        OperationKind(
            "upgrade",
            phases=lambda req: upgrade_phases(req, phases_of(playbooks_dir, "upgrade")),
            on_start=Transition("upgrading", "Upgrading."),
            on_success=Transition("running", "Upgraded."),
            on_failure=upgrade_stopped,
            on_cancel=upgrade_stopped,
            description="Upgrade along a path of packages: masters one at a time, workers drained in batches.",
        )
    )
    kinds.register(
        OperationKind(
            "check-certificates",
            phases=phases("check-certificates"),
            effect=store_checked,
            description="Read the expiry of every certificate on every node.",
        )
    )
    renew_failed = Transition(
        "running", "Renewing the certificates stopped{at}: {reason} Retry the operation.", "it was cancelled."
    )
    kinds.register(
        OperationKind(
            "renew-certificates",
            phases=phases("renew-certificates"),
            on_start=Transition("running", "Renewing the certificates, one master at a time."),
            on_success=Transition("running", "Certificates renewed."),
            on_failure=renew_failed,
            on_cancel=renew_failed,
            effect=store_checked,
            description="Renew kubeadm's certificates one master at a time and refresh the admin kubeconfig.",
        )
    )


async def show_on_cluster(session: AsyncSession, op: Any, transition: Transition) -> None:
    cluster = await ClusterRepository(session).get(op.cluster_id)
    if cluster is None:
        return
    before = (cluster.status, cluster.status_message)
    cluster.status, cluster.status_message = transition.status, transition.render(op)
    if (cluster.status, cluster.status_message) != before:
        await session.flush()
        await emit(
            session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id, project_id=cluster.project_id
        )


async def collect_deploy(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
    """A deploy that succeeded: its nodes are ready and the admin kubeconfig it wrote is stored, encrypted."""
    if op.status != "succeeded":
        return
    cluster = await ClusterRepository(session).get(op.cluster_id)
    if cluster is None:
        return
    for node in cluster.nodes:
        node.status = "ready"
    store_kubeconfig(session, cluster, artifacts)


def store_kubeconfig(session: AsyncSession, cluster: Any, artifacts: Path | None) -> None:
    """The admin kubeconfig the post phase wrote, stored encrypted (and gone from the disk)."""
    path = artifacts / "kubeconfig" if artifacts is not None else None
    if path is not None and path.is_file():
        cluster.kubeconfig_enc = box_for(session).encrypt(
            path.read_text(), table=TABLE, row_id=cluster.id, field="kubeconfig"
        )
        path.unlink()


async def workers_joined(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
    if op.status != "succeeded":
        return
    cluster = await ClusterRepository(session).get(op.cluster_id)
    for node in cluster.nodes if cluster is not None else []:
        if node.status in ("joining", "rebuilding"):
            node.status, node.not_ready_since = "ready", None


def workers_removed(inventory: InventoryClient | None, *, kubeconfig: bool = False) -> Effect:
    async def effect(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
        """Removed nodes: their hosts go back to inventory and the cluster forgets them."""
        if op.status != "succeeded":
            return
        cluster = await ClusterRepository(session).get(op.cluster_id)
        if cluster is None:
            return
        if kubeconfig:
            store_kubeconfig(session, cluster, artifacts)
        gone = [n for n in cluster.nodes if n.status == "removing"]
        if inventory is not None and gone:
            await inventory.release(service_identity("deployment"), cluster.id, [n.host_id for n in gone])
        for node in gone:
            cluster.nodes.remove(node)
        await session.flush()

    return effect


def forget_after_reset(inventory: InventoryClient | None) -> Effect:
    async def effect(session: AsyncSession, op: Any, artifacts: Path | None) -> None:
        """A reset that succeeded: the hosts go back to inventory and the cluster is forgotten."""
        if op.status != "succeeded":
            return
        cluster = await ClusterRepository(session).get(op.cluster_id)
        if cluster is None:
            return
        if inventory is not None:
            await inventory.release(service_identity("deployment"), cluster.id)
        await forget(session, cluster)

    return effect
