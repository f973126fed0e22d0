"""Day 2: workers added to and removed from a running cluster (operations `add-workers`, `remove-workers`).

Adding: the hosts are checked (in the project, ready, in no cluster, not given twice: every problem
in one 422 naming `nodes[i].host_id`), claimed in inventory (all or none), stored as `joining` nodes,
and an `add-workers` operation runs the idempotent deploy phases a new node needs (the existing
nodes run them without change); the new node joins with a fresh bootstrap token made on the first
master, then gets the labels and taints asked for. If queueing fails, the hosts are released again.

Removing: the node is cordoned and drained on the first master (the eviction API, so
PodDisruptionBudgets hold; after `drain_timeout_seconds` the phase fails naming the pods that
block), deleted from the cluster, its host reset, and on success released in inventory and
forgotten. `force` (a dead host) deletes the node without draining and resets what can be reached.
A cluster keeps at least one node; masters are not removed here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import Conflict, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_common.operations.kinds import PhaseDef
from ko_deployment.clusters import events, provisioned, validation
from ko_deployment.clusters.models import Cluster, ClusterNode
from ko_deployment.clusters.phases import phases_of
from ko_deployment.clusters.repository import ClusterRepository
from ko_deployment.clusters.schemas import ClusterEvent, WorkersAdd
from ko_deployment.clusters.service import Context, get, operation_spec
from ko_deployment.operations import service as operations

log = logging.getLogger(__name__)
DRAIN_TIMEOUT_SECONDS = 300


async def ready_for_change(session: AsyncSession, cluster: Cluster, what: str) -> None:
    """A Day-2 operation may start: the cluster is running and no operation of it is queued or running."""
    busy = await operations.SERVICE.repo(session).active_for_cluster(cluster.id)
    if busy is not None:
        raise Conflict(
            f"Cluster {cluster.name} is busy with operation {busy.id} ({busy.kind}): wait for it or cancel it.",
            field="cluster_id",
        )
    if cluster.status != "running":
        raise Conflict(
            f"Cluster {cluster.name} is {cluster.status}: {what} only on a running cluster "
            "(retry or finish its last operation first).",
            field="cluster_id",
        )


def new_host_problems(
    nodes: list[Any], hosts: dict[str, dict[str, Any]], members: set[str], *, master: bool = False
) -> list[tuple[str, str]]:
    """Every problem of the hosts asked to join, each naming `nodes[i].host_id`."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for i, node in enumerate(nodes):
        where = f"nodes[{i}].host_id"
        host = hosts.get(node.host_id)
        if node.host_id in seen:
            problems.append((where, f"the same host as nodes[{seen[node.host_id]}]"))
        elif node.host_id in members:
            problems.append((where, f"host {host['name'] if host else node.host_id} is already a node of this cluster"))
        elif host is None:
            problems.append((where, f"no host {node.host_id} in this project: register it under Hosts first"))
        elif host.get("cluster_id"):
            problems.append((where, f"host {host['name']} already belongs to cluster {host['cluster_id']}"))
        elif host["status"] != "ready":
            problems.append(
                (where, f"host {host['name']} is {host['status']}: {host['status_message']} Check it again.")
            )
        elif master and ((host.get("facts") or {}).get("cpus") or 0) < 2:
            cpus = (host.get("facts") or {}).get("cpus") or "unknown"
            problems.append(
                (where, f"host {host['name']} has {cpus} CPU(s); a master needs at least 2 (kubeadm's minimum)")
            )
        seen.setdefault(node.host_id, i)
    return problems


async def join_hosts(
    session: AsyncSession,
    identity: Identity,
    cluster: Cluster,
    ctx: Context,
    *,
    nodes: list[Any],
    hosts: dict[str, dict[str, Any]],
    role: str,
    kind: str,
    hostvars: Callable[[Any], dict[str, Any]],
) -> Cluster:
    """Claim the hosts in inventory (all or none), store them as `joining` nodes and queue `kind`.

    If anything fails after the claim, the hosts are released again."""
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    if package is None:
        raise Conflict(
            f"The offline package of Kubernetes {cluster.version} ({cluster.arch}) is not imported any more: "
            f"import it again under Offline packages, then add the {role}s.",
            field="cluster_id",
        )
    cluster_id = cluster.id
    host_ids = [n.host_id for n in nodes]
    await session.commit()  # no transaction held while inventory claims the hosts
    await ctx.inventory.claim(identity, cluster.project_id, cluster_id, host_ids)
    try:
        cluster = await get(session, identity, cluster_id, write=True)
        if role == "master":  # more than one master: the playbooks check an `ha` cluster's count
            cluster.spec = {**cluster.spec, "topology": "ha"}
        first = max((n.position for n in cluster.nodes), default=-1) + 1
        for i, node in enumerate(nodes):
            host = hosts[node.host_id]
            cluster.nodes.append(
                ClusterNode(position=first + i, host_id=node.host_id, name=host["name"], ip=host["ip"],
                            role=role, status="joining")
            )  # fmt: skip
        await ClusterRepository(session).flush()
        spec = operation_spec(cluster, package.manifest, ctx.repository_url)
        asked = {n.host_id: n for n in nodes}
        for entry in spec["nodes"]:
            if entry["host_id"] in asked:
                entry["hostvars"].update(hostvars(asked[entry["host_id"]]))
        op = await operations.create(
            session, project_id=cluster.project_id, cluster_id=cluster.id, kind=kind, spec=spec,
            created_by=identity.username,
        )  # fmt: skip
        cluster.current_operation_id = op.id
        await ClusterRepository(session).flush()
        await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
                   project_id=cluster.project_id)  # fmt: skip
        await session.commit()
    except BaseException:
        await session.rollback()
        try:
            await ctx.inventory.release(identity, cluster_id, host_ids)
        except Exception:
            log.exception("could not release the hosts of cluster %s that were not added", cluster_id)
        raise
    log.info(f"{role}s added", extra=log_fields(cluster_id=cluster.id, operation_id=op.id, nodes=len(host_ids)))
    return cluster


async def add_workers(
    session: AsyncSession, identity: Identity, cluster_id: str, body: WorkersAdd, ctx: Context
) -> Cluster:
    cluster = await get(session, identity, cluster_id, write=True)
    if provisioned.is_provisioned(cluster):
        if body.nodes or body.count is None:
            raise InvalidInput(
                f"count: cluster {cluster.name} makes its VMs from a plan: give count (new VMs), not nodes.",
                field="count",
            )
        await ready_for_change(session, cluster, "workers are added")
        return await provisioned.grow_cluster(session, identity, cluster, body.count, ctx)
    if body.count is not None or not body.nodes:
        raise InvalidInput(f"nodes: cluster {cluster.name} is made of chosen hosts: give nodes (hosts to join), "
                           "not count.", field="nodes")  # fmt: skip
    await ready_for_change(session, cluster, "workers are added")
    hosts = {h["id"]: h for h in await ctx.inventory.project_hosts(identity, cluster.project_id)}
    validation.refuse(new_host_problems(body.nodes, hosts, {n.host_id for n in cluster.nodes}))
    return await join_hosts(
        session, identity, cluster, ctx, nodes=body.nodes, hosts=hosts, role="worker", kind="add-workers",
        hostvars=lambda node: {"ko_node_labels": node.labels, "ko_node_taints": [t.model_dump() for t in node.taints]},
    )  # fmt: skip


def node_named(cluster: Cluster, node_name: str) -> ClusterNode:
    node = next((n for n in cluster.nodes if n.name == node_name), None)
    if node is None:
        known = ", ".join(n.name for n in cluster.nodes)
        raise NotFound(f"Cluster {cluster.name} has no node {node_name} (its nodes: {known}).", field="node")
    return node


async def queue_node_change(
    session: AsyncSession,
    identity: Identity,
    cluster: Cluster,
    node: ClusterNode,
    *,
    kind: str,
    spec: dict[str, Any],
    node_status: str,
    force: bool,
    phases: list[PhaseDef] | None = None,
) -> Any:
    """Queue `kind` for one node leaving (group `removing`): the node shows `node_status` meanwhile."""
    spec["extravars"]["ko_remove"] = {"force": force, "drain_timeout_seconds": DRAIN_TIMEOUT_SECONDS}
    op = await operations.create(
        session, project_id=cluster.project_id, cluster_id=cluster.id, kind=kind, spec=spec,
        created_by=identity.username, phases=phases,
    )  # fmt: skip
    node.status, node.not_ready_since = node_status, None
    cluster.current_operation_id = op.id
    await ClusterRepository(session).flush()
    await emit(session, events.UPDATED, ClusterEvent.of(cluster), subject_id=cluster.id,
               project_id=cluster.project_id)  # fmt: skip
    log.info(f"{kind} queued", extra=log_fields(cluster_id=cluster.id, operation_id=op.id, node=node.name))
    return op


async def remove_worker(
    session: AsyncSession, identity: Identity, cluster_id: str, node_name: str, force: bool, ctx: Context
) -> Cluster:
    cluster = await get(session, identity, cluster_id, write=True)
    node = node_named(cluster, node_name)
    if node.role != "worker":
        raise InvalidInput(
            f"{node_name} is a master: remove workers here; masters are changed by the master operations.",
            field="node",
        )
    if node.status == "joining" and not force:
        raise Conflict(f"{node_name} has not joined yet: remove it with force=true.", field="node")
    await ready_for_change(session, cluster, "workers are removed")
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    spec = operation_spec(cluster, package.manifest if package else {}, ctx.repository_url)
    for entry in spec["nodes"]:
        if entry["host_id"] == node.host_id:
            entry["groups"].append("removing")
    phases = None
    if provisioned.is_provisioned(cluster):
        # The node leaves first, then its VM is destroyed and its address freed.
        spec["provisioning_remove"] = [node.name]
        phases = [*phases_of(ctx.playbooks_dir, "remove-workers"), provisioned.SHRINK_PHASE]
    await queue_node_change(
        session, identity, cluster, node, kind="remove-workers", spec=spec, node_status="removing", force=force,
        phases=phases,
    )  # fmt: skip
    return cluster


async def rebuild_worker(
    session: AsyncSession, identity: Identity, cluster_id: str, node_name: str, ctx: Context
) -> Cluster:
    """Reset a worker's host and join it again (a node NotReady for good, a host repaired or reinstalled)."""
    cluster = await get(session, identity, cluster_id, write=True)
    node = node_named(cluster, node_name)
    if node.role != "worker":
        raise InvalidInput(f"{node_name} is a master: only workers are rebuilt.", field="node")
    await ready_for_change(session, cluster, "workers are rebuilt")
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    if package is None:
        raise Conflict(
            f"The offline package of Kubernetes {cluster.version} ({cluster.arch}) is not imported any more: "
            "import it again under Offline packages, then rebuild the worker.",
            field="cluster_id",
        )
    spec = operation_spec(cluster, package.manifest, ctx.repository_url)
    for entry in spec["nodes"]:
        if entry["host_id"] == node.host_id:
            entry["groups"].append("removing")
    # The node is broken or about to be reset: deleted without draining (its pods are rescheduled).
    await queue_node_change(
        session, identity, cluster, node, kind="rebuild-worker", spec=spec, node_status="rebuilding", force=True
    )
    return cluster
