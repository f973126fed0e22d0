"""Clusters: planning (validation, host claim, deploy operation), reading, status, kubeconfig.

Creating a cluster claims its hosts in inventory first (all or none, race-free there), then stores
the cluster with its deploy operation in one transaction; if that fails the hosts are released.
The operation's progress feeds the cluster's status through the operation kinds (kinds.py), which
the engine applies in its own transactions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import box_for
from ko_common.db import new_id
from ko_common.errors import Conflict, NotFound
from ko_common.events import emit
from ko_common.identity import Identity, service_identity
from ko_common.logging import log_fields
from ko_common.operations.executors import StepFailed
from ko_deployment.clusters import events, provisioned, validation
from ko_deployment.clusters.models import Cluster, ClusterNode
from ko_deployment.clusters.phases import phases_of
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.schemas import ClusterCreate, ClusterEvent, OperationRef
from ko_deployment.inventory_client import InventoryClient
from ko_deployment.operations import service as operations

log = logging.getLogger(__name__)
TABLE = "clusters"


@dataclass(frozen=True)
class Context:
    inventory: InventoryClient
    playbooks_dir: Path
    repository_url: str


async def create(session: AsyncSession, identity: Identity, body: ClusterCreate, ctx: Context) -> Cluster:
    identity.require_write(body.project_id)
    repo = ClusterRepository(session)
    if await repo.by_name(body.project_id, body.name) is not None:
        raise _name_taken(body.name)
    versions = await validation.known_versions(session, body.arch)
    if body.provisioning is not None:
        problems = validation.check(body, [], versions)
        problems += await _plan_problems(identity, body, ctx)
        validation.refuse(problems)
        return await _create_provisioned(session, identity, body, ctx)
    hosts = await ctx.inventory.project_hosts(identity, body.project_id)
    validation.refuse(validation.check(body, hosts, versions))
    package = await validation.ready_package(session, body.version, body.arch)
    assert package is not None  # checked above
    phases_of(ctx.playbooks_dir, "deploy")  # the Ansible content is usable: checked before any host is claimed
    by_id = {h["id"]: h for h in hosts}
    cluster_id = new_id()
    await session.commit()  # no transaction held while inventory claims the hosts

    host_ids = [n.host_id for n in body.nodes]
    await ctx.inventory.claim(identity, body.project_id, cluster_id, host_ids)
    try:
        spec = body.model_dump(mode="json", exclude={"project_id", "name", "version", "arch", "nodes"})
        cluster = Cluster(
            id=cluster_id,
            project_id=body.project_id,
            name=body.name,
            version=body.version,
            arch=body.arch,
            status="deploying",
            status_message="Waiting for a worker to start the deploy.",
            spec=spec,
            created_by=identity.username,
            nodes=[
                ClusterNode(position=i, host_id=n.host_id, name=by_id[n.host_id]["name"],
                            ip=by_id[n.host_id]["ip"], role=n.role, status="pending")
                for i, n in enumerate(body.nodes)
            ],
        )  # fmt: skip
        await repo.add(cluster)
        op = await operations.create(
            session,
            project_id=body.project_id,
            cluster_id=cluster_id,
            kind="deploy",
            spec=operation_spec(cluster, package.manifest, ctx.repository_url),
            created_by=identity.username,
        )
        cluster.current_operation_id = op.id
        await repo.flush()
        await emit(session, events.CREATED, ClusterEvent.of(cluster), subject_id=cluster.id, project_id=body.project_id)
        await session.commit()
    except BaseException as exc:
        await session.rollback()
        try:
            await ctx.inventory.release(identity, cluster_id)
        except Exception:
            log.exception("could not release the hosts of cluster %s that was not created", cluster_id)
        if isinstance(exc, IntegrityError):
            raise _name_taken(body.name) from exc
        raise
    log.info("cluster planned", extra=log_fields(cluster_id=cluster_id, operation_id=op.id, nodes=len(host_ids)))
    return cluster


async def _plan_problems(identity: Identity, body: ClusterCreate, ctx: Context) -> list[tuple[str, str]]:
    assert body.provisioning is not None
    plan = await ctx.inventory.plan(identity, body.provisioning.plan_id)
    if plan is None:
        return [("provisioning.plan_id", f"no plan {body.provisioning.plan_id} in this project: pick one under Plans")]
    if plan["project_id"] != body.project_id:
        return [("provisioning.plan_id", f"plan {plan['name']} belongs to another project: pick one of this project")]
    if plan["topology"] != body.topology:
        return [("topology", f"plan {plan['name']} is {plan['topology']}: plan the cluster {plan['topology']} too, "
                             "or pick a plan of this topology")]  # fmt: skip
    return []


async def _create_provisioned(session: AsyncSession, identity: Identity, body: ClusterCreate, ctx: Context) -> Cluster:
    """A cluster whose deploy first creates its VMs (clusters/provisioned.py): no hosts claimed yet."""
    phases = [provisioned.PROVISION_PHASE, *phases_of(ctx.playbooks_dir, "deploy")]
    spec = body.model_dump(mode="json", exclude={"project_id", "name", "version", "arch", "nodes"})
    cluster = Cluster(id=new_id(), project_id=body.project_id, name=body.name, version=body.version, arch=body.arch,
                      status="deploying", status_message="Waiting for a worker to create the VMs.", spec=spec,
                      created_by=identity.username, nodes=[])  # fmt: skip
    repo = ClusterRepository(session)
    await repo.add(cluster)
    op = await operations.create(
        session, project_id=body.project_id, cluster_id=cluster.id, kind="deploy",
        spec={"provisioning": spec["provisioning"], "nodes": []}, created_by=identity.username, phases=phases,
    )  # fmt: skip
    cluster.current_operation_id = op.id
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise _name_taken(body.name) from exc
    await emit(session, events.CREATED, ClusterEvent.of(cluster), subject_id=cluster.id, project_id=body.project_id)
    log.info("cluster planned from a plan", extra=log_fields(cluster_id=cluster.id, operation_id=op.id))
    return cluster


def deploy_spec_for(repository_url: str) -> Any:
    """The deploy spec of a cluster now holding its nodes (a provisioned cluster's, once its VMs exist)."""

    async def spec(session: AsyncSession, cluster: Cluster) -> dict[str, Any]:
        package = await validation.ready_package(session, cluster.version, cluster.arch)
        if package is None:
            raise StepFailed(f"No ready offline package of Kubernetes {cluster.version} ({cluster.arch}) any more: "
                             "import it again, then retry.")  # fmt: skip
        return operation_spec(cluster, package.manifest, repository_url)

    return spec


def first_master(cluster: Cluster) -> ClusterNode | None:
    """The master the playbooks run cluster-wide steps on (`masters[0]`: kubeadm init, the certificates,
    etcd membership): of the masters not joining, the first by name (the inventory's order before nodes
    were ordered here), so a master added later never becomes it before it holds the cluster's copy of
    the certificate authorities."""
    masters = [n for n in cluster.nodes if n.role == "master"]
    settled = [n for n in masters if n.status != "joining"] or masters
    return min(settled, key=lambda n: n.name) if settled else None


def package_vars(version: str, arch: str, manifest: dict[str, Any], repository_url: str) -> dict[str, Any]:
    """The extra-var `ko_package`: an offline package as the playbooks read it."""
    return {
        "version": version,
        "arch": arch,
        "components": manifest.get("components") or {},
        "url": f"{repository_url}/packages/{version}-{arch}",
    }


def operation_spec(cluster: Cluster, manifest: dict[str, Any], repository_url: str) -> dict[str, Any]:
    groups = {"master": ["masters"], "worker": ["workers"]}
    first = first_master(cluster)
    ordered = sorted(cluster.nodes, key=lambda n: (n is not first, n.name))
    return {
        "nodes": [
            {"host_id": n.host_id, "groups": [*groups[n.role], "k8s_cluster"], "hostvars": {"ko_node_role": n.role}}
            for n in ordered
        ],
        "extravars": {
            "ko_cluster": {
                "id": cluster.id, "name": cluster.name, "version": cluster.version, "arch": cluster.arch,
                **cluster.spec,
                "addons": validation.addons_of(cluster.spec),
                "advanced": validation.advanced_of(cluster.spec),
            },
            "ko_package": package_vars(cluster.version, cluster.arch, manifest, repository_url),
        },
    }  # fmt: skip


async def list_clusters(
    session: AsyncSession, identity: Identity, project_id: str | None, status: str | None, limit: int, offset: int
) -> tuple[Sequence[Cluster], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    return await ClusterRepository(session).search(projects, status, limit, offset)


async def get(session: AsyncSession, identity: Identity, cluster_id: str, *, write: bool = False) -> Cluster:
    cluster = await ClusterRepository(session).get(cluster_id)
    if cluster is None or not identity.can_read(cluster.project_id):
        raise NotFound(f"No cluster {cluster_id}.")
    if write:
        identity.require_write(cluster.project_id)
    return cluster


async def operation_ref(session: AsyncSession, cluster: Cluster) -> OperationRef | None:
    if cluster.current_operation_id is None:
        return None
    op = await operations.SERVICE.repo(session).get(cluster.current_operation_id)
    if op is None:
        return None
    current = next((p.name for p in op.phases if p.status in ("running", "failed")), None)
    return OperationRef(
        id=op.id,
        kind=op.kind,
        status=op.status,
        phase=current,
        phases_done=sum(1 for p in op.phases if p.status == "succeeded"),
        phases_total=len(op.phases),
    )


async def kubeconfig(session: AsyncSession, identity: Identity, cluster_id: str) -> tuple[Cluster, str]:
    """The admin kubeconfig, for a project manager or admin; the gateway audits the download."""
    cluster = await get(session, identity, cluster_id, write=True)
    if cluster.kubeconfig_enc is None:
        raise Conflict(f"Cluster {cluster.name} has no kubeconfig yet: it is collected when the deploy succeeds.")
    text = box_for(session).decrypt(cluster.kubeconfig_enc, table=TABLE, row_id=cluster.id, field="kubeconfig")
    log.info("kubeconfig handed out", extra=log_fields(cluster_id=cluster.id, user=identity.username))
    return cluster, text


async def delete(
    session: AsyncSession, identity: Identity, cluster_id: str, ctx: Context, *, force: bool = False
) -> Cluster | None:
    """Reset the hosts (a `reset` operation) and then forget the cluster; `force` forgets it at once.

    Returns the cluster while its reset runs, or None once it is gone (force).
    """
    cluster = await get(session, identity, cluster_id, write=True)
    busy = await operations.SERVICE.repo(session).active_for_cluster(cluster.id)
    if busy is not None:
        raise Conflict(
            f"Cluster {cluster.name} is busy with operation {busy.id} ({busy.kind}): wait for it or cancel it.",
            field="cluster_id",
        )
    if force:
        await ctx.inventory.release(service_identity("deployment"), cluster.id)
        await forget(session, cluster)
        return None
    phases = None
    if provisioned.is_provisioned(cluster):
        # The VMs go after the reset (none to reset when their creation failed): every address back.
        resets = phases_of(ctx.playbooks_dir, "reset") if cluster.nodes else []
        phases = [*resets, provisioned.DEPROVISION_PHASE]
    op = await operations.create(
        session,
        project_id=cluster.project_id,
        cluster_id=cluster.id,
        kind="reset",
        spec=operation_spec(cluster, {}, ctx.repository_url),
        created_by=identity.username,
        phases=phases,
    )
    cluster.status, cluster.status_message, cluster.current_operation_id = "terminating", "Resetting the hosts.", op.id
    await ClusterRepository(session).flush()
    await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id, project_id=cluster.project_id)
    return cluster


async def forget(session: AsyncSession, cluster: Cluster) -> None:
    event = ClusterEvent.of(cluster)
    await ClusterRepository(session).delete(cluster)
    await emit(session, events.DELETED, event, subject_id=cluster.id, project_id=cluster.project_id)
    log.info("cluster deleted", extra=log_fields(cluster_id=cluster.id))


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A cluster named {name} already exists in this project: choose another name.", field="name")
