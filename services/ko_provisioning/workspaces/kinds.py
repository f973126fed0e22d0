"""The workspace operations, registered on the provisioning engine at start-up.

`provision` (create, scale, retry), phases:
1. `allocate` (python): addresses for the planned VMs from their zones' pools (inventory), per pool at once.
2. `forget-removed` (python): the inventory hosts of VMs a scale-down removes are forgotten first.
3. `apply` (terraform, the region's provider module): every VM not being removed; Terraform creates
   what is missing and destroys the removed ones. Its outputs give each VM its provider id.
4. `register` (python): the created VMs become inventory hosts (SSH with the injected key, facts).
5. `release-removed` (python): the removed VMs' addresses go back to their pools; their rows go.

`destroy`, phases: `forget-hosts` (python), `destroy` (terraform, `<module>:destroy`), `release`
(python: every address of the workspace back, its states dropped). When it succeeds the workspace is gone.

Every step is idempotent (a resumed operation runs its interrupted phase again): what was done is
recorded on the VM rows (address, provider id, host id) and not done twice. The Terraform variables are
rendered from those rows and the inventory's plan at the start of the phase (the cloud password is
fetched then and never stored in the operation's spec), and the phase holds the state's lock.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database
from ko_common.errors import InvalidInput, NotFound
from ko_common.events import emit
from ko_common.logging import log_fields
from ko_common.operations.executors import (
    Emit,
    OperationRun,
    PhaseResult,
    PhaseStep,
    PythonExecutor,
    StepContext,
    StepFailed,
)
from ko_common.operations.kinds import Expander, KindRegistry, KindRequest, OperationKind, PhaseDef, Transition
from ko_common.operations.schemas import Failure
from ko_common.operations.terraform import TerraformExecutor
from ko_provisioning.inventory_client import InventoryClient
from ko_provisioning.providers.mirror import MirrorRefused
from ko_provisioning.workspaces import events
from ko_provisioning.workspaces.models import Workspace
from ko_provisioning.workspaces.repository import WorkspaceRepository
from ko_provisioning.workspaces.schemas import WorkspaceCreate
from ko_provisioning.workspaces.service import event_of, owner_of, plan_workspace, private_key, resize
from ko_provisioning.workspaces.state import DatabaseStateStore, StateLocked

log = logging.getLogger(__name__)
MODULES = {"vsphere": "vsphere", "openstack": "openstack"}
SENSITIVE = ["vsphere_password", "password"]


class Deps:
    def __init__(self, db: Database, inventory: InventoryClient, extra_vars: dict[str, Any]) -> None:
        self.db = db
        self.inventory = inventory
        self.extra_vars = extra_vars


async def _workspace(session: AsyncSession, run: OperationRun) -> Workspace:
    ws = await WorkspaceRepository(session).get(run.cluster_id)
    if ws is None:
        raise StepFailed(f"Workspace {run.cluster_id} no longer exists.")
    return ws


# --- the Python steps ---


def register_steps(steps: PythonExecutor, deps: Deps) -> None:
    async def allocate(ctx: StepContext) -> None:
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            todo: dict[str, list[str]] = defaultdict(list)
            for vm in ws.vms:
                if vm.address is None and vm.status == "planned":
                    todo[vm.pool_id].append(vm.name)
        got: dict[str, str] = {}
        for pool_id, names in todo.items():
            addresses = await deps.inventory.allocate(pool_id, owner_of(ctx.run.cluster_id), len(names))
            got.update(zip(names, addresses, strict=True))
            ctx.log(f"{len(addresses)} address(es) from pool {pool_id}: {', '.join(addresses)}", changed=True)
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            for vm in ws.vms:
                if vm.name in got:
                    vm.address = got[vm.name]
        if not todo:
            ctx.log("Every VM has its address.")

    async def forget_removed(ctx: StepContext) -> None:
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            gone = [vm.host_id for vm in ws.vms if vm.status == "removing" and vm.host_id]
            project = ws.project_id
        if gone:
            await deps.inventory.forget(project, [h for h in gone if h], None)
            ctx.log(f"{len(gone)} host(s) forgotten in the inventory.", changed=True)
        async with deps.db.transaction() as session:
            for vm in (await _workspace(session, ctx.run)).vms:
                if vm.status == "removing":
                    vm.host_id = None

    async def register(ctx: StepContext) -> None:
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            todo = [{"name": v.name, "ip": v.address, "port": 22} for v in ws.vms if v.status == "created"]
            credential = {"name": f"workspace-{ws.name}", "username": "root", "private_key": private_key(session, ws)}
            project = ws.project_id
        if not todo:
            ctx.log("Every VM is an inventory host.")
            return
        answer = await deps.inventory.register(project, owner_of(ctx.run.cluster_id), credential, todo)
        ids = {h["name"]: h["host_id"] for h in answer["hosts"]}
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            ws.credential_id = answer["credential_id"]
            for vm in ws.vms:
                if vm.name in ids:
                    vm.host_id, vm.status = ids[vm.name], "registered"
        for name in ids:
            ctx.log(f"{name} registered in the inventory.", host=name, changed=True)

    async def release_removed(ctx: StepContext) -> None:
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            removed = [vm for vm in ws.vms if vm.status == "removing"]
            by_pool: dict[str, list[str]] = defaultdict(list)
            for vm in removed:
                if vm.address:
                    by_pool[vm.pool_id].append(vm.address)
        for pool_id, addresses in by_pool.items():
            await deps.inventory.release_addresses(pool_id, addresses)
            ctx.log(f"{', '.join(addresses)} back in pool {pool_id}.", changed=True)
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            for vm in [v for v in ws.vms if v.status == "removing"]:
                ws.vms.remove(vm)

    async def forget_hosts(ctx: StepContext) -> None:
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            hosts = [vm.host_id for vm in ws.vms if vm.host_id]
            project, credential = ws.project_id, ws.credential_id
        await deps.inventory.forget(project, [h for h in hosts if h], credential)
        async with deps.db.transaction() as session:
            ws = await _workspace(session, ctx.run)
            ws.credential_id = None
            for vm in ws.vms:
                vm.host_id = None
        ctx.log(f"{len(hosts)} host(s) forgotten in the inventory.", changed=bool(hosts))

    async def release(ctx: StepContext) -> None:
        released: list[str] = []
        async with deps.db.transaction() as session:
            pools = sorted({vm.pool_id for vm in (await _workspace(session, ctx.run)).vms})
        for pool_id in pools:
            released += await deps.inventory.release(pool_id, owner_of(ctx.run.cluster_id))
        ctx.log(f"{len(released)} address(es) back in their pools.", changed=bool(released))

    steps.steps.update(
        {"allocate": allocate, "forget-removed": forget_removed, "register": register,
         "release-removed": release_removed, "forget-hosts": forget_hosts, "release": release}
    )  # fmt: skip


# --- the Terraform phases: variables rendered at the phase's start, the state locked, outputs recorded ---


def render(ws: Workspace, plan: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The module contract's variables (terraform-modules/README.md)."""
    region, p = plan["region"], plan["plan"]
    zones: dict[str, Any] = {}
    for zone in plan["zones"]:
        pool = zone["pool"]
        settings = {k: v for k, v in zone["provider_settings"].items() if v is not None}
        zones[zone["name"]] = {
            **settings,
            "ipv4": {"prefix_length": int(pool["subnet"].split("/")[1]), "gateway": pool["gateway"],
                     "dns": list(pool["dns"])},
        }  # fmt: skip
    vms = []
    for vm in ws.vms:
        if vm.status == "removing":
            continue
        size = p["master_size"] if vm.role == "master" else p["worker_size"]
        vms.append({"name": vm.name, "role": vm.role, "zone": vm.zone_name, "address": vm.address,
                    "size": {k: v for k, v in size.items() if v is not None}})  # fmt: skip
    out: dict[str, Any] = {"cluster_name": ws.name, "vms": vms, "zones": zones,
                           "ssh_public_key": ws.ssh_public_key, "ssh_user": "root"}  # fmt: skip
    if ws.provider == "vsphere":
        server = region["endpoint"].split("://", 1)[-1].split("/", 1)[0]
        out.update(vsphere_server=server, vsphere_user=region["username"], vsphere_password=region["password"],
                   allow_unverified_ssl=bool(region["insecure_tls"]), datacenter=region["datacenter"])  # fmt: skip
    else:
        out.update(auth_url=region["endpoint"], user_name=region["username"], password=region["password"],
                   tenant_name=region["project_name"], user_domain_name=region["domain_name"],
                   project_domain_name=region["domain_name"], region=region["datacenter"],
                   insecure=bool(region["insecure_tls"]))  # fmt: skip
    return {**out, **extra}


class WorkspaceTerraform(TerraformExecutor):
    """The shared Terraform executor, with the workspace's variables, lock and outputs around each phase."""

    def __init__(
        self, deps: Deps, modules_dir: Path, *, plugin_dir: Path | None, state: DatabaseStateStore,
        terraform_bin: str = "terraform", sync: Callable[[], Awaitable[Path]] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(modules_dir, plugin_dir=plugin_dir, state=state, terraform_bin=terraform_bin)
        self.deps = deps
        self.store = state
        self.sync = sync  # brings the offline packages' providers into the mirror

    async def run_phase(self, run: OperationRun, phase: PhaseStep, emit: Emit) -> PhaseResult:
        if self.sync is not None:
            try:
                await self.sync()
            except MirrorRefused as exc:
                return _failed(phase, f"{exc}")
        async with self.deps.db.transaction() as session:
            ws = await WorkspaceRepository(session).get(run.cluster_id)
            if ws is None:
                return _failed(phase, f"Workspace {run.cluster_id} no longer exists.")
            plan = await self.deps.inventory.plan(ws.plan_id)
            variables = render(ws, plan, self.deps.extra_vars)
        run.spec["terraform"] = {"vars": variables, "sensitive": SENSITIVE}
        key = f"{run.cluster_id}/{phase.target.split(':')[0]}"
        try:
            async with self.store.locked(key, run.operation_id):
                result = await super().run_phase(run, phase, emit)
        except StateLocked as exc:
            return _failed(phase, f"{exc} Wait for it to end, or cancel it.")
        finally:
            run.spec.pop("terraform", None)  # the password stays out of anything stored
        if result.status == "succeeded" and not phase.target.endswith(":destroy"):
            await self._record(run, phase)
        return result

    async def _record(self, run: OperationRun, phase: PhaseStep) -> None:
        outputs = json.loads((run.artifacts / "terraform-outputs.json").read_text())
        vms = {v["name"]: v for v in outputs[phase.name]["outputs"].get("vms") or []}
        async with self.deps.db.transaction() as session:
            ws = await WorkspaceRepository(session).get(run.cluster_id)
            assert ws is not None
            for vm in ws.vms:
                got = vms.get(vm.name)
                if got is not None and vm.status != "removing":
                    vm.provider_id = str(got["provider_id"])
                    if vm.status == "planned":
                        vm.status = "created"


def _failed(phase: PhaseStep, message: str) -> PhaseResult:
    return PhaseResult("failed", rc=1, failure=Failure(message=f"Phase {phase.name}: {message}", phase=phase.name))


# --- the kinds ---


def provision_phases(module: str) -> list[PhaseDef]:
    return [
        PhaseDef("allocate", "allocate", "python"),
        PhaseDef("forget-removed", "forget-removed", "python"),
        PhaseDef("apply", module, "terraform"),
        PhaseDef("register", "register", "python"),
        PhaseDef("release-removed", "release-removed", "python"),
    ]


def destroy_phases(module: str) -> list[PhaseDef]:
    return [
        PhaseDef("forget-hosts", "forget-hosts", "python"),
        PhaseDef("destroy", f"{module}:destroy", "terraform"),
        PhaseDef("release", "release", "python"),
    ]


async def _sink(session: AsyncSession, op: Any, transition: Transition) -> None:
    ws = await WorkspaceRepository(session).get(op.cluster_id)
    if ws is None:
        return
    ws.status, ws.message = transition.status, transition.render(op)[:1000]


PROVISION_FAILED = Transition("failed", "Provisioning failed{at}: {reason}", "see the operation's events")
PROVISION_CANCELLED = Transition("failed", "Provisioning cancelled{at}: retry it, or delete the workspace.")
DESTROY_FAILED = Transition("failed", "Destroying failed{at}: {reason} Delete it again to retry.",
                            "see the operation's events.")  # fmt: skip
DESTROY_CANCELLED = Transition("failed", "Destroying cancelled{at}: delete it again to finish.")


async def _ended_badly(session: AsyncSession, ws: Workspace, op: Any, failed: Transition, cancelled: Transition
                       ) -> None:  # fmt: skip
    ws.status, ws.message = "failed", (failed if op.status == "failed" else cancelled).render(op)[:1000]
    await emit(session, events.FAILED, event_of(ws), subject_id=ws.id, project_id=ws.project_id)


async def _provision_effect(session: AsyncSession, op: Any, _artifacts: Path | None) -> None:
    ws = await WorkspaceRepository(session).get(op.cluster_id)
    if ws is None:
        return
    ws.operation_id = op.id  # a job request's operation was made without the workspace knowing its id
    if op.status == "succeeded":
        ws.status, ws.message = "ready", f"{len(ws.vms)} VM(s) ready."
        await emit(session, events.PROVISIONED, event_of(ws), subject_id=ws.id, project_id=ws.project_id)
    elif op.status in ("failed", "cancelled"):
        await _ended_badly(session, ws, op, PROVISION_FAILED, PROVISION_CANCELLED)


async def _destroy_effect(session: AsyncSession, op: Any, _artifacts: Path | None) -> None:
    ws = await WorkspaceRepository(session).get(op.cluster_id)
    if ws is None:
        return
    ws.operation_id = op.id
    if op.status == "succeeded":
        ws.status, ws.message = "destroyed", "Every VM destroyed, every address given back."
        await emit(session, events.DELETED, event_of(ws), subject_id=ws.id, project_id=ws.project_id)
        await session.delete(ws)
        log.info("workspace destroyed", extra=log_fields(workspace_id=ws.id))
    elif op.status in ("failed", "cancelled"):
        await _ended_badly(session, ws, op, DESTROY_FAILED, DESTROY_CANCELLED)


def _requested(inventory: InventoryClient) -> tuple[Expander, Expander]:
    """How the deployment service's job requests become workspace operations: it plans a cluster's VMs
    (the workspace's id is the cluster's, its name the cluster's) and has checked the user's rights.

    `provision` params: `plan_id`, `name`, `worker_count` (absent: the plan's), `remove` (worker VM names
    to remove), `created_by`. The first request makes the workspace; later ones resize it.
    `destroy` params: none."""

    async def provision(session: AsyncSession, request: KindRequest) -> dict[str, Any]:
        params = request.spec
        ws = await WorkspaceRepository(session).get(request.cluster_id)
        if ws is None:
            try:
                body = WorkspaceCreate(
                    project_id=request.project_id, name=str(params.get("name") or ""),
                    plan_id=str(params.get("plan_id") or ""), worker_count=params.get("worker_count"),
                )  # fmt: skip
            except ValidationError as exc:
                where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "params"
                raise InvalidInput(f"{where}: {exc.errors()[0]['msg']}", field=where) from exc
            ws = await plan_workspace(session, body, inventory, cluster_id=request.cluster_id,
                                      created_by=str(params.get("created_by") or request.created_by))  # fmt: skip
        elif params.get("remove") or (params.get("worker_count") is not None
                                      and params["worker_count"] != ws.worker_count):  # fmt: skip
            await resize(session, ws, int(params.get("worker_count") or 0), inventory, list(params.get("remove") or []))
        return {"workspace_id": ws.id, "provider": ws.provider}

    async def destroy(session: AsyncSession, request: KindRequest) -> dict[str, Any]:
        ws = await WorkspaceRepository(session).get(request.cluster_id)
        if ws is None:
            raise NotFound(f"No workspace {request.cluster_id}: nothing to destroy.", field="cluster_id")
        ws.status, ws.message = "destroying", "Destroying the VMs."
        return {"workspace_id": ws.id, "provider": ws.provider}

    return provision, destroy


def register(kinds: KindRegistry, inventory: InventoryClient, module_of: dict[str, str] | None = None) -> None:
    """The kinds; a workspace's module is its provider's (the phases name it, so a resume runs the same)."""
    modules = module_of or MODULES
    expand_provision, expand_destroy = _requested(inventory)

    def module(request: Any) -> str:
        return modules[str(request.spec.get("provider") or "vsphere")]

    kinds.sink = _sink
    kinds.register(OperationKind(
        name="provision",
        phases=lambda r: provision_phases(module(r)),
        on_start=Transition("provisioning", "Provisioning the VMs."),
        effect=_provision_effect,
        requesters=frozenset({"deployment"}),
        expand=expand_provision,
        description="Create (or scale) a workspace's VMs with Terraform and register them as inventory hosts.",
    ))  # fmt: skip
    kinds.register(OperationKind(
        name="destroy",
        phases=lambda r: destroy_phases(module(r)),
        on_start=Transition("destroying", "Destroying the VMs."),
        effect=_destroy_effect,
        requesters=frozenset({"deployment"}),
        expand=expand_destroy,
        description="Destroy a workspace's VMs, forget their hosts and give their addresses back.",
    ))  # fmt: skip
