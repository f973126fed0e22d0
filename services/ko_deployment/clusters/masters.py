"""Day 2: masters added to and removed from a running cluster (operations `add-masters`, `remove-masters`).

What the original product never could (its issue #567). Each master runs an etcd member of the
cluster's external etcd, so every change is a change of the etcd membership, made one member at a
time, each only into or out of a healthy cluster.

Adding: the hosts are checked like new workers (and need 2 CPUs); the `add-masters` operation runs the
deploy phases a new master needs: every node's load balancer takes the new masters in, the API server
certificate gets their names, their etcd members join one at a time, their control planes join, and
every API server is pointed at the new members, one master at a time.

Removing (one master per request): refused before anything changes when the cluster would keep no
master, when etcd has lost its quorum already, or when the members left would not have a quorum of
healthy ones (a master whose node is not ready counts as unhealthy), with the reason. The operation
drains and deletes the node, removes its etcd member while the others are healthy, lets the load
balancers, certificates and API servers follow the remaining masters, resets the host and releases it.
`force` is for a dead master: no drain, and a host that cannot be reached is not reset.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import Conflict, InvalidInput
from ko_common.identity import Identity
from ko_deployment.clusters import validation
from ko_deployment.clusters.models import Cluster, ClusterNode
from ko_deployment.clusters.scaling import (
    join_hosts,
    new_host_problems,
    node_named,
    queue_node_change,
    ready_for_change,
)
from ko_deployment.clusters.schemas import MastersAdd
from ko_deployment.clusters.service import Context, get, operation_spec

log = logging.getLogger(__name__)


def quorum(members: int) -> int:
    """How many etcd members must agree in a cluster of `members`."""
    return members // 2 + 1


def removal_refusal(cluster: Cluster, node: ClusterNode, force: bool) -> str | None:
    """Why removing this master would break the cluster (None: it may go)."""
    masters = [n for n in cluster.nodes if n.role == "master"]
    healthy = [n for n in masters if n.status == "ready"]
    if len(masters) <= 1:
        return f"{node.name} is the cluster's only master: a cluster keeps at least one. Add another master first."
    if len(healthy) < quorum(len(masters)):
        down = ", ".join(n.name for n in masters if n.status != "ready")
        return (
            f"etcd has lost its quorum already: only {len(healthy)} of {len(masters)} masters are healthy "
            f"({down} not ready) and a member can be removed only with {quorum(len(masters))}. "
            "Bring the masters back or restore from a backup."
        )
    left = [n for n in masters if n is not node]
    left_healthy = [n for n in left if n.status == "ready"]
    if len(left_healthy) < quorum(len(left)):
        down = ", ".join(n.name for n in left if n.status != "ready")
        return (
            f"removing {node.name} would lose etcd's quorum: of the {len(left)} members left only "
            f"{len(left_healthy)} would be healthy ({down} not ready) and etcd needs {quorum(len(left))}. "
            f"Repair or remove {down} first."
        )
    if node.status == "joining" and not force:
        return f"{node.name} has not joined yet: remove it with force=true."
    return None


async def add_masters(
    session: AsyncSession, identity: Identity, cluster_id: str, body: MastersAdd, ctx: Context
) -> Cluster:
    cluster = await get(session, identity, cluster_id, write=True)
    await ready_for_change(session, cluster, "masters are added")
    hosts = {h["id"]: h for h in await ctx.inventory.project_hosts(identity, cluster.project_id)}
    problems = new_host_problems(body.nodes, hosts, {n.host_id for n in cluster.nodes}, master=True)
    vip = (cluster.spec.get("load_balancer") or {}).get("vip")
    if vip:
        for i, node in enumerate(body.nodes):
            host = hosts.get(node.host_id)
            if host is not None and not validation.address_in_subnet_of(vip, host):
                problems.append(
                    (f"nodes[{i}].host_id", f"host {host['name']} is not in the subnet of the virtual IP {vip}: "
                                            "keepalived can move the VIP only between masters of one subnet")
                )  # fmt: skip
    validation.refuse(problems)
    return await join_hosts(
        session, identity, cluster, ctx, nodes=body.nodes, hosts=hosts, role="master", kind="add-masters",
        hostvars=lambda node: {},
    )  # fmt: skip


async def remove_master(
    session: AsyncSession, identity: Identity, cluster_id: str, node_name: str, force: bool, ctx: Context
) -> Cluster:
    cluster = await get(session, identity, cluster_id, write=True)
    node = node_named(cluster, node_name)
    if node.role != "master":
        raise InvalidInput(f"{node_name} is a worker: remove it under workers.", field="node")
    await ready_for_change(session, cluster, "masters are removed")
    why = removal_refusal(cluster, node, force)
    if why is not None:
        raise Conflict(f"Cannot remove master {node_name}: {why}", field="node")
    if sum(1 for n in cluster.nodes if n.role == "master") == 2:  # one master left: `single` from now on
        cluster.spec = {**cluster.spec, "topology": "single"}
    package = await validation.ready_package(session, cluster.version, cluster.arch)
    spec = operation_spec(cluster, package.manifest if package else {}, ctx.repository_url)
    for entry in spec["nodes"]:
        if entry["host_id"] == node.host_id:
            # Out of `masters` and `k8s_cluster`: every phase then sees the remaining masters only.
            entry["groups"] = ["removing"]
    await queue_node_change(
        session, identity, cluster, node, kind="remove-masters", spec=spec, node_status="removing", force=force
    )
    return cluster
