"""Workspaces: planned from an inventory plan, provisioned, scaled and destroyed as operations.

What a change guarantees:
- **Refused before anything is created**, naming the field: a plan that is not the project's, a zone
  of another region (`plan_id`), three masters over exactly two zones (one zone's loss would take
  etcd's quorum: `plan_id`), and a zone whose IP pool has too few free addresses for the VMs placed
  in it (`worker_count`, naming the zone and the pool; zones sharing a pool are counted together).
- **Placement**: masters as the plan places them (round-robin over its zones, in order); workers
  round-robin over the zones too, the n-th worker in zone n mod z, so scaling up fills the zones in
  turn and scaling down removes the newest workers.
- **One operation at a time** per workspace (the engine's rule); a change while one runs is a 409.
- The SSH key injected into the VMs is made here, stored sealed, and reaches inventory as the hosts'
  credential; it never appears in a response, an event or a log.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import box_for
from ko_common.db import new_id
from ko_common.errors import Conflict, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_provisioning.inventory_client import InventoryClient
from ko_provisioning.operations.service import SERVICE
from ko_provisioning.workspaces import events
from ko_provisioning.workspaces.models import Vm, Workspace
from ko_provisioning.workspaces.repository import WorkspaceRepository
from ko_provisioning.workspaces.schemas import VmEvent, WorkspaceCreate, WorkspaceEvent, WorkspaceUpdate

log = logging.getLogger(__name__)
TABLE = "workspaces"


def owner_of(workspace_id: str) -> str:
    """Who inventory records as holding the workspace's addresses and hosts."""
    return f"workspace:{workspace_id}"


def event_of(ws: Workspace) -> WorkspaceEvent:
    vms = [VmEvent(name=v.name, role=v.role, zone_name=v.zone_name, address=v.address, provider_id=v.provider_id,
                   host_id=v.host_id) for v in ws.vms]  # fmt: skip
    return WorkspaceEvent(id=ws.id, project_id=ws.project_id, name=ws.name, plan_id=ws.plan_id,
                          provider=ws.provider, status=ws.status, message=ws.message, vms=vms)  # fmt: skip


async def get(session: AsyncSession, identity: Identity, workspace_id: str, *, write: bool = False) -> Workspace:
    ws = await WorkspaceRepository(session).get(workspace_id)
    if ws is None or not identity.can_read(ws.project_id):
        raise NotFound(f"No workspace {workspace_id}.", field="workspace_id")
    if write:
        identity.require_write(ws.project_id)
    return ws


# --- placement and the checks made before anything is created ---


def _zones(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {z["id"]: z for z in plan["zones"]}


def check_plan(plan: dict[str, Any], project_id: str) -> None:
    p = plan["plan"]
    if p["project_id"] != project_id:
        raise InvalidInput(f"plan_id: plan {p['name']} belongs to another project: pick one of this project.",
                           field="plan_id")  # fmt: skip
    zones = _zones(plan)
    for zone_id in p["zone_ids"]:
        zone = zones.get(zone_id)
        if zone is None:
            raise InvalidInput(f"plan_id: plan {p['name']} names zone {zone_id}, which no longer exists: "
                               "edit the plan's zones.", field="plan_id")  # fmt: skip
        if zone["region_id"] != p["region_id"]:
            raise InvalidInput(
                f"plan_id: zone {zone['name']} of plan {p['name']} is in another region than the plan's "
                f"({plan['region']['name']}): give the plan zones of its own region.",
                field="plan_id",
            )
    if p["master_count"] == 3 and len(set(p["zone_ids"])) == 2:
        raise InvalidInput(
            f"plan_id: plan {p['name']} puts 3 masters over 2 zones, 2 in one of them: losing that zone loses "
            "etcd's quorum. Give the plan 1 zone, or 3 or more.",
            field="plan_id",
        )


def placement(plan: dict[str, Any], worker_count: int) -> list[tuple[str, str]]:
    """(role, zone id) of every VM: the masters as the plan places them, workers round-robin over its zones."""
    p = plan["plan"]
    masters = [("master", z) for z in p["placement"]["masters"]]
    zone_ids = p["zone_ids"]
    return masters + [("worker", zone_ids[i % len(zone_ids)]) for i in range(worker_count)]


def check_capacity(plan: dict[str, Any], wanted: list[str]) -> None:
    """`wanted`: the zone id of every VM that needs a new address. Refused per pool, naming the zone."""
    zones = _zones(plan)
    per_pool: Counter[str] = Counter(zones[z]["pool"]["id"] for z in wanted)
    for zone_id in dict.fromkeys(wanted):
        zone = zones[zone_id]
        pool = zone["pool"]
        need, free = per_pool[pool["id"]], int(pool["free"])
        if need > free:
            raise InvalidInput(
                f"worker_count: zone {zone['name']} needs {need} address(es) from IP pool {pool['name']}, which "
                f"has {free} free: add ranges to the pool, or create fewer VMs.",
                field="worker_count",
            )


def _name(ws_name: str, role: str, n: int) -> str:
    return f"{ws_name}-{role}-{n}"


def _add_vms(ws: Workspace, plan: dict[str, Any], worker_count: int) -> list[Vm]:
    zones = _zones(plan)
    have = {(v.role, v.name) for v in ws.vms}
    added = []
    counts: Counter[str] = Counter()
    for position, (role, zone_id) in enumerate(placement(plan, worker_count)):
        counts[role] += 1
        name = _name(ws.name, role, counts[role])
        if (role, name) in have:
            continue
        zone = zones[zone_id]
        vm = Vm(id=new_id(), position=position, name=name, role=role, zone_id=zone_id, zone_name=zone["name"],
                pool_id=zone["pool"]["id"], status="planned")  # fmt: skip
        ws.vms.append(vm)
        added.append(vm)
    return added


def _keys() -> tuple[str, str]:
    key = ed25519.Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption()).decode()  # fmt: skip
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, public.decode() + " kubeoperator"


def private_key(session: AsyncSession, ws: Workspace) -> str:
    return box_for(session).decrypt(ws.ssh_private_key_enc, table=TABLE, row_id=ws.id, field="ssh_private_key")


# --- the API's changes ---


async def create(session: AsyncSession, identity: Identity, body: WorkspaceCreate, inventory: InventoryClient
                 ) -> Workspace:  # fmt: skip
    identity.require_write(body.project_id)
    ws = await plan_workspace(session, body, inventory, created_by=identity.user_id)
    await _start(session, ws, "provision", identity)
    return ws


async def plan_workspace(session: AsyncSession, body: WorkspaceCreate, inventory: InventoryClient, *,
                         created_by: str, cluster_id: str | None = None) -> Workspace:  # fmt: skip
    """A new workspace and its planned VMs, checked against the plan and the pools; no operation yet.
    The caller has checked that whoever asks may change the project (a user, or the deployment service
    acting for a cluster it planned: then the workspace's id is the cluster's)."""
    repo = WorkspaceRepository(session)
    if await repo.by_name(body.project_id, body.name) is not None:
        raise Conflict(f"name: a workspace named {body.name} exists in this project: pick another name.",
                       field="name")  # fmt: skip
    try:
        plan = await inventory.plan(body.plan_id)
    except NotFound as exc:
        raise InvalidInput(f"plan_id: no plan {body.plan_id}: pick a plan of this project.", field="plan_id") from exc
    check_plan(plan, body.project_id)
    p = plan["plan"]
    workers = p["worker_count"] if body.worker_count is None else body.worker_count
    check_capacity(plan, [zone for _, zone in placement(plan, workers)])
    private, public = _keys()
    ws = Workspace(
        id=cluster_id or new_id(), cluster_id=cluster_id, project_id=body.project_id, name=body.name, plan_id=p["id"],
        region_id=p["region_id"], provider=p["provider"], worker_count=workers, status="provisioning",
        message="Queued.", ssh_public_key=public, ssh_private_key_enc="", created_by=created_by, vms=[],
    )  # fmt: skip
    ws.ssh_private_key_enc = box_for(session).encrypt(private, table=TABLE, row_id=ws.id, field="ssh_private_key")
    _add_vms(ws, plan, workers)
    await repo.add(ws)
    await emit(session, events.CREATED, event_of(ws), subject_id=ws.id, project_id=ws.project_id)
    log.info("workspace created", extra=log_fields(workspace_id=ws.id, vms=len(ws.vms), provider=ws.provider))
    return ws


async def resize(session: AsyncSession, ws: Workspace, worker_count: int, inventory: InventoryClient,
                 remove: list[str] | None = None) -> None:  # fmt: skip
    """New workers planned (round-robin over the plan's zones, the pools checked first), or workers marked
    for removal: the ones named in `remove`, else the newest. The next provision makes it so."""
    _refuse_when(ws, "scale")
    plan = await inventory.plan(ws.plan_id)
    check_plan(plan, ws.project_id)
    current = [v for v in ws.vms if v.role == "worker" and v.status != "removing"]
    if remove:
        names = {v.name for v in current}
        unknown = [n for n in remove if n not in names]
        if unknown:
            raise InvalidInput(f"remove: {', '.join(unknown)} is not a worker VM of workspace {ws.name}.",
                               field="remove")  # fmt: skip
        for vm in current:
            if vm.name in remove:
                vm.status = "removing"
        worker_count = len(current) - len(remove)
    elif worker_count > len(current):
        new_zones = [z for role, z in placement(plan, worker_count) if role == "worker"][len(current) :]
        check_capacity(plan, new_zones)
        _add_vms(ws, plan, worker_count)
    else:
        for vm in sorted(current, key=lambda v: v.position)[worker_count:]:
            vm.status = "removing"
    ws.worker_count = worker_count
    ws.status, ws.message = "provisioning", f"Scaling to {worker_count} worker(s)."
    await session.flush()


async def scale(session: AsyncSession, identity: Identity, workspace_id: str, body: WorkspaceUpdate,
                inventory: InventoryClient) -> Workspace:  # fmt: skip
    ws = await get(session, identity, workspace_id, write=True)
    _refuse_cluster_owned(ws, "scale the cluster's workers instead")
    await resize(session, ws, body.worker_count, inventory)
    await _start(session, ws, "provision", identity)
    await emit(session, events.SCALED, event_of(ws), subject_id=ws.id, project_id=ws.project_id)
    return ws


async def destroy(session: AsyncSession, identity: Identity, workspace_id: str) -> Workspace:
    ws = await get(session, identity, workspace_id, write=True)
    _refuse_cluster_owned(ws, "delete the cluster instead")
    if ws.status == "destroying" and ws.operation_id is not None:
        return ws  # already on its way: a repeated delete is the same request
    ws.status, ws.message = "destroying", "Destroying the VMs."
    await session.flush()
    await _start(session, ws, "destroy", identity)
    await emit(session, events.DESTROYING, event_of(ws), subject_id=ws.id, project_id=ws.project_id)
    return ws


async def retry(session: AsyncSession, identity: Identity, workspace_id: str) -> Workspace:
    ws = await get(session, identity, workspace_id, write=True)
    _refuse_cluster_owned(ws, "retry the cluster's operation instead")
    if ws.status != "failed" or ws.operation_id is None:
        raise Conflict(f"Workspace {ws.name} is {ws.status}: only a failed one is retried.", field="workspace_id")
    await SERVICE.retry(session, identity, ws.operation_id)
    ws.status, ws.message = "provisioning", "Retrying."
    return ws


def _refuse_cluster_owned(ws: Workspace, instead: str) -> None:
    if ws.cluster_id is not None:
        raise Conflict(f"Workspace {ws.name} holds the VMs of cluster {ws.cluster_id}: {instead}.",
                       field="workspace_id")  # fmt: skip


def _refuse_when(ws: Workspace, what: str) -> None:
    if ws.status in ("destroying", "destroyed"):
        raise Conflict(f"Workspace {ws.name} is {ws.status}: it cannot {what}.", field="workspace_id")


async def _start(session: AsyncSession, ws: Workspace, kind: str, identity: Identity) -> None:
    spec = {"workspace_id": ws.id, "provider": ws.provider}
    op = await SERVICE.create(session, project_id=ws.project_id, cluster_id=ws.id, kind=kind, spec=spec,
                              created_by=identity.user_id)  # fmt: skip
    ws.operation_id = op.id
