"""HTTP routes for the provisioning service, under /internal/provisioning (never through the gateway).

Every route answers only the provisioning service's signed identity (anyone else: 403), and each
reuses the domain service the public API uses: the same checks, events and refusals.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, Identity
from ko_inventory.hosts.endpoints import Db, Policy
from ko_inventory.ippools.endpoints import ProberDep
from ko_inventory.ippools.schemas import Allocation, AllocationRequest, Release, ReleaseRequest
from ko_inventory.provisioning import service
from ko_inventory.provisioning.schemas import PlanContext, VmForget, VmRegistration, VmsForgotten, VmsRegistered

SERVICE = "provisioning"

router = APIRouter(prefix="/internal/provisioning", include_in_schema=False)


async def _provisioning(identity: CurrentIdentity) -> Identity:
    identity.require_service(SERVICE)
    return identity


Caller = Annotated[Identity, Depends(_provisioning)]
Id = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/plans/{plan_id}")
async def plan_context(session: SessionDep, caller: Caller, plan_id: Id) -> PlanContext:
    """The plan with its placement, its region with the decrypted cloud password, its zones with their pools."""
    return await service.plan_context(session, plan_id)


@router.post("/ip-pools/{pool_id}/allocate")
async def allocate(db: Db, prober: ProberDep, caller: Caller, pool_id: Id, body: AllocationRequest) -> Allocation:
    return await service.allocate(db, caller, pool_id, body, prober)


@router.post("/ip-pools/{pool_id}/release")
async def release(db: Db, caller: Caller, pool_id: Id, body: ReleaseRequest) -> Release:
    return await service.release(db, caller, pool_id, body)


@router.post("/hosts")
async def register_hosts(db: Db, policy: Policy, caller: Caller, body: VmRegistration) -> VmsRegistered:
    return await service.register_vms(db, caller, body, policy)


@router.post("/hosts/forget")
async def forget_hosts(session: SessionDep, caller: Caller, body: VmForget) -> VmsForgotten:
    return await service.forget(session, caller, body)
