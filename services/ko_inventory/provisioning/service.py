"""The provisioning service's calls into the inventory, built on the domains' own services.

Only the provisioning service calls these (the endpoints check its signed identity). It acts for
no user, so each call runs as ``acting_for(caller, project_id)``: the provisioning service under
its own name, manager of the one project the resource belongs to and of no other. The domain
services then apply their usual checks unchanged (project known, pool, host and credential in that
project), and an id of another project is as unknown as a missing one: one call cannot reach across
projects, and logs and events name the provisioning service, never a user.

Registering VMs commits each host on its own: an SSH visit takes seconds, and a VM that cannot be
reached must not undo the ones registered before it. The caller retries the whole list; a host
already registered under the same name and address is returned as it is, so a retry neither fails
nor duplicates.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database
from ko_common.errors import Conflict, InvalidInput, KOError, NotFound
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_inventory.cloud import service as cloud
from ko_inventory.cloud.repository import PlanRepository, RegionRepository, ZoneRepository
from ko_inventory.credentials import service as credentials
from ko_inventory.credentials.keys import parse_private_key
from ko_inventory.credentials.repository import CredentialRepository
from ko_inventory.credentials.schemas import CredentialCreate
from ko_inventory.hosts import service as hosts
from ko_inventory.hosts.models import Host
from ko_inventory.hosts.repository import HostRepository
from ko_inventory.hosts.schemas import HostCreate
from ko_inventory.ippools import allocator
from ko_inventory.ippools.probe import Prober
from ko_inventory.ippools.repository import AddressRepository, IpPoolRepository
from ko_inventory.ippools.schemas import Allocation, AllocationRequest, Release, ReleaseRequest
from ko_inventory.provisioning.schemas import (
    PlanContext,
    PoolSummary,
    RegionWithPassword,
    RegisteredVm,
    VmForget,
    VmHost,
    VmRegistration,
    VmsForgotten,
    VmsRegistered,
    ZoneWithPool,
)

log = logging.getLogger(__name__)


def acting_for(caller: Identity, project_id: str) -> Identity:
    """The provisioning service as manager of ``project_id`` alone, for this one call."""
    return Identity(user_id=caller.user_id, username=caller.username, projects={project_id: "project-manager"})


# --- the plan, with what Terraform needs -----------------------------------------------------------


async def plan_context(session: AsyncSession, plan_id: str) -> PlanContext:
    plan = await PlanRepository(session).get(plan_id)
    if plan is None:
        raise NotFound(f"No plan {plan_id}: it may have been deleted since the cluster was asked for.", field="plan_id")
    plan_out = (await cloud.plan_outputs(session, [plan]))[0]
    region = await RegionRepository(session).get(plan.region_id)
    assert region is not None  # a foreign key keeps a plan's region
    by_id = await ZoneRepository(session).by_ids(plan_out.zone_ids)
    zones = await cloud.zone_outputs(session, [by_id[z] for z in plan_out.zone_ids])
    pool_repo = IpPoolRepository(session)
    pools = {z.ip_pool_id: await pool_repo.get(z.ip_pool_id) for z in zones}
    counts = await AddressRepository(session).counts(list(pools))
    summaries = {
        pid: PoolSummary(
            id=p.id, name=p.name, subnet=p.subnet, gateway=p.gateway, dns=list(p.dns), free=counts[pid]["free"]
        )
        for pid, p in pools.items()
        if p is not None  # a foreign key keeps a zone's pool
    }
    # Who was handed the cloud login, never the login itself.
    log.info("plan and cloud login handed out", extra=log_fields(plan_id=plan.id, region_id=region.id))
    return PlanContext(
        plan=plan_out,
        region=RegionWithPassword(
            **cloud.region_out(region).model_dump(), password=await cloud.reveal_password(session, region.id)
        ),
        zones=[ZoneWithPool(**z.model_dump(), pool=summaries[z.ip_pool_id]) for z in zones],
    )


# --- addresses -------------------------------------------------------------------------------------


async def _pool_project(db: Database, pool_id: str) -> str:
    async with db.transaction() as session:
        pool = await IpPoolRepository(session).get(pool_id)
    if pool is None:
        raise NotFound(f"No IP pool {pool_id}: check the zone's ip_pool_id.", field="pool_id")
    return pool.project_id


async def allocate(db: Database, caller: Identity, pool_id: str, body: AllocationRequest, prober: Prober) -> Allocation:
    identity = acting_for(caller, await _pool_project(db, pool_id))
    return await allocator.allocate(db, identity, pool_id, body, prober)


async def release(db: Database, caller: Identity, pool_id: str, body: ReleaseRequest) -> Release:
    identity = acting_for(caller, await _pool_project(db, pool_id))
    return await allocator.release(db, identity, pool_id, body)


# --- the VMs as hosts ------------------------------------------------------------------------------


async def register_vms(db: Database, caller: Identity, body: VmRegistration, policy: hosts.SshPolicy) -> VmsRegistered:
    identity = acting_for(caller, body.project_id)
    async with db.transaction() as session:
        credential_id = await _credential(session, identity, body)
    out: list[RegisteredVm] = []
    for i, vm in enumerate(body.hosts):
        async with db.transaction() as session:
            host = await _register(session, identity, body.project_id, credential_id, vm, policy, i)
            out.append(RegisteredVm(name=host.name, ip=host.ip, host_id=host.id, status=host.status))  # type: ignore[arg-type]
    log.info(
        "provisioned hosts registered",
        extra=log_fields(project_id=body.project_id, owner=body.owner, hosts=len(out), credential_id=credential_id),
    )
    return VmsRegistered(credential_id=credential_id, hosts=out)


async def _credential(session: AsyncSession, identity: Identity, body: VmRegistration) -> str:
    """The id of the VMs' SSH-key credential: created, or the one of that name holding the same key."""
    given = body.credential
    existing = await CredentialRepository(session).by_name(body.project_id, given.name)
    if existing is None:
        create = CredentialCreate(
            project_id=body.project_id,
            name=given.name,
            description=f"SSH key of the VMs the provisioning service created for {body.owner}.",
            username=given.username,
            auth_type="private_key",
            private_key=given.private_key,
        )
        try:
            return (await credentials.create(session, identity, create)).id
        except KOError as exc:
            raise _about(exc, "credential", f"Credential {given.name}") from None
    try:
        # Off the event loop, as credentials.service does: loading a key may run a slow KDF.
        parsed = await asyncio.to_thread(parse_private_key, given.private_key.get_secret_value(), None)
    except KOError as exc:
        raise _about(exc, "credential", f"Credential {given.name}") from None
    if (existing.auth_type, existing.username, existing.key_fingerprint) != (
        "private_key",
        given.username,
        parsed.fingerprint,
    ):
        raise Conflict(
            f"A credential named {given.name} already exists in project {body.project_id} with another user or "
            "key: give the VMs' credential a name of its own, or delete that credential.",
            field="credential.name",
        )
    return existing.id


async def _register(
    session: AsyncSession,
    identity: Identity,
    project_id: str,
    credential_id: str,
    vm: VmHost,
    policy: hosts.SshPolicy,
    index: int,
) -> Host:
    existing = await HostRepository(session).by_name(project_id, vm.name)
    if existing is not None and existing.ip == vm.ip:
        return existing  # registered by an earlier try
    create = HostCreate(project_id=project_id, name=vm.name, ip=vm.ip, port=vm.port, credential_id=credential_id)
    try:
        return await hosts.register(session, identity, create, policy)
    except KOError as exc:
        raise _about(exc, f"hosts[{index}]", f"Host {vm.name} ({vm.ip})") from None


async def forget(session: AsyncSession, caller: Identity, body: VmForget) -> VmsForgotten:
    """Delete the hosts (all or none: one still in a cluster refuses the call), then the credential if unused."""
    identity = acting_for(caller, body.project_id)
    deleted: list[str] = []
    for host_id in dict.fromkeys(body.host_ids):
        try:
            await hosts.delete(session, identity, host_id)
        except NotFound:  # gone already, or of another project
            continue
        deleted.append(host_id)
    if body.credential_id is not None:
        try:
            cred = await credentials.get(session, identity, body.credential_id, write=True)
        except NotFound:
            cred = None
        if cred is not None and await HostRepository(session).count_using_credential(cred.id) == 0:
            await credentials.delete(session, identity, cred.id)
    log.info("provisioned hosts forgotten", extra=log_fields(project_id=body.project_id, hosts=len(deleted)))
    return VmsForgotten(deleted=deleted)


def _about(exc: KOError, prefix: str, who: str) -> KOError:
    """The domain's own refusal, naming the item of the list it is about (``hosts[1].ip``, ``Host vm-2``)."""
    if exc.field == "project_id":  # about the whole call, not the item
        return exc
    exc.detail = f"{who}: {exc.detail}"
    if exc.field:
        exc.field = f"{prefix}.{exc.field}"
    if isinstance(exc, InvalidInput):
        exc.fields = [(f"{prefix}.{f}", f"{who}: {m}") for f, m in exc.fields]
    return exc
