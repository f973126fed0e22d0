"""IP pools: project scoping, validation of the layout, the address rows that follow it, events.

The caller's transaction is the request's: this module only flushes. Handing addresses out and
back is in ``ippools.allocator``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from ipaddress import ip_network

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import new_id
from ko_common.errors import Conflict, Forbidden, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_inventory.cloud.repository import ZoneRepository
from ko_inventory.ippools import events
from ko_inventory.ippools.layout import Layout, parse_layout
from ko_inventory.ippools.models import IpAddress, IpPool
from ko_inventory.ippools.repository import AddressRepository, IpPoolRepository
from ko_inventory.ippools.schemas import (
    AddressCounts,
    IpAddressOut,
    IpPoolCreate,
    IpPoolEvent,
    IpPoolOut,
    IpPoolUpdate,
    IpRange,
)
from ko_inventory.projects.service import require_known

log = logging.getLogger(__name__)


async def list_pools(
    session: AsyncSession, identity: Identity, project_id: str | None, q: str | None, limit: int, offset: int
) -> tuple[list[IpPoolOut], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    pools, total = await IpPoolRepository(session).search(projects, q, limit, offset)
    return await outputs(session, pools), total


async def outputs(session: AsyncSession, pools: Sequence[IpPool]) -> list[IpPoolOut]:
    counts = await AddressRepository(session).counts([p.id for p in pools])
    return [_out(p, counts[p.id]) for p in pools]


def _out(pool: IpPool, counts: dict[str, int]) -> IpPoolOut:
    return IpPoolOut(
        id=pool.id,
        project_id=pool.project_id,
        name=pool.name,
        description=pool.description,
        subnet=pool.subnet,
        gateway=pool.gateway,
        dns=list(pool.dns),
        ranges=[IpRange.model_validate(r) for r in pool.ranges],
        size=sum(counts.values()),
        counts=AddressCounts.model_validate(counts),
        created_at=pool.created_at,
        updated_at=pool.updated_at,
    )


def _event(pool: IpPool, size: int) -> IpPoolEvent:
    return IpPoolEvent(
        id=pool.id, project_id=pool.project_id, name=pool.name, subnet=pool.subnet, gateway=pool.gateway, size=size
    )


async def get(session: AsyncSession, identity: Identity, pool_id: str, *, write: bool = False) -> IpPool:
    pool = await IpPoolRepository(session).get(pool_id)
    # A pool of a project the caller cannot see is reported missing, so ids cannot be probed.
    if pool is None or not identity.can_read(pool.project_id):
        raise NotFound(f"No IP pool {pool_id}: check the id, or ask for access to its project.")
    if write and not identity.can_write(pool.project_id):
        raise Forbidden("Your role in this IP pool's project is read-only: ask a project manager or an admin.")
    return pool


async def get_out(session: AsyncSession, identity: Identity, pool_id: str) -> IpPoolOut:
    return (await outputs(session, [await get(session, identity, pool_id)]))[0]


async def create(session: AsyncSession, identity: Identity, body: IpPoolCreate) -> IpPoolOut:
    identity.require_write(body.project_id)
    layout = parse_layout(body.subnet, body.gateway, body.dns, [(r.start, r.end) for r in body.ranges])
    await require_known(session, body.project_id)
    repo = IpPoolRepository(session)
    await repo.lock_project(body.project_id)
    if await repo.by_name(body.project_id, body.name) is not None:
        raise _duplicate(body.name)
    await _refuse_overlap(repo, body.project_id, layout, None)
    pool = IpPool(
        id=new_id(),
        project_id=body.project_id,
        name=body.name,
        description=body.description,
        **_stored(layout),
    )
    try:
        await repo.add(pool)
    except IntegrityError as exc:
        raise _duplicate(body.name) from exc
    addresses = layout.addresses()
    await AddressRepository(session).add_free(pool.id, [(str(a), int(a)) for a in addresses])
    await emit(session, events.CREATED, _event(pool, len(addresses)), subject_id=pool.id, project_id=pool.project_id)
    log.info("ip pool created", extra=log_fields(pool_id=pool.id, project_id=pool.project_id, size=len(addresses)))
    return (await outputs(session, [pool]))[0]


async def update(session: AsyncSession, identity: Identity, pool_id: str, body: IpPoolUpdate) -> IpPoolOut:
    pool = await get(session, identity, pool_id, write=True)
    if not body.model_fields_set:
        return (await outputs(session, [pool]))[0]
    repo = IpPoolRepository(session)
    layout = parse_layout(
        body.subnet if body.subnet is not None else pool.subnet,
        body.gateway if body.gateway is not None else pool.gateway,
        body.dns if body.dns is not None else list(pool.dns),
        [(r.start, r.end) for r in body.ranges]
        if body.ranges is not None
        else [(r["start"], r["end"]) for r in pool.ranges],
    )
    await require_known(session, pool.project_id)
    await repo.lock_project(pool.project_id)
    if body.name is not None and body.name != pool.name:
        if await repo.by_name(pool.project_id, body.name) is not None:
            raise _duplicate(body.name)
        pool.name = body.name
    if body.description is not None:
        pool.description = body.description
    await _refuse_overlap(repo, pool.project_id, layout, pool.id)
    size = await _follow_layout(AddressRepository(session), pool, layout)
    for key, value in _stored(layout).items():
        setattr(pool, key, value)
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise _duplicate(pool.name) from exc
    await emit(session, events.UPDATED, _event(pool, size), subject_id=pool.id, project_id=pool.project_id)
    log.info("ip pool updated", extra=log_fields(pool_id=pool.id, project_id=pool.project_id, size=size))
    return (await outputs(session, [pool]))[0]


async def _follow_layout(addresses: AddressRepository, pool: IpPool, layout: Layout) -> int:
    """Make the pool's address rows match ``layout``: new addresses join free, old ones leave
    unless allocated (then nothing changes and the caller gets 409). Returns the new size."""
    wanted = {str(a): int(a) for a in layout.addresses()}
    states = await addresses.states(pool.id)
    leaving = sorted(set(states) - set(wanted))
    held = [ip for ip in leaving if states[ip][0] == "allocated"]
    if held:
        raise _held(pool.id, held, states)
    if await addresses.remove_unallocated(pool.id, leaving) != len(leaving):
        # Allocated between our look and the delete.
        raise Conflict("Addresses leaving the pool were just allocated: reload the pool and try again.", field="ranges")
    await addresses.add_free(pool.id, [(ip, v) for ip, v in wanted.items() if ip not in states])
    return len(wanted)


def _held(pool_id: str, held: list[str], states: dict[str, tuple[str, str | None]]) -> Conflict:
    shown = ", ".join(f"{ip} ({states[ip][1] or '?'})" for ip in held[:5])
    more = f" and {len(held) - 5} more" if len(held) > 5 else ""
    return Conflict(
        f"The new layout leaves out allocated addresses: {shown}{more}. Release them first "
        f"(POST /api/v1/ip-pools/{pool_id}/releases) or keep them in the ranges.",
        field="ranges",
    )


async def delete(session: AsyncSession, identity: Identity, pool_id: str) -> None:
    pool = await get(session, identity, pool_id, write=True)
    names, count = await ZoneRepository(session).using_pool(pool.id)
    if count:
        raise Conflict(f"IP pool {pool.name} is used by {_some('zone', names, count)}: change or delete them first.")
    addresses = AddressRepository(session)
    allocated, owners = await addresses.allocated(pool.id)
    if allocated:
        raise Conflict(
            f"IP pool {pool.name} has {allocated} allocated address(es) (held by {', '.join(owners)}): "
            f"release them first (POST /api/v1/ip-pools/{pool.id}/releases)."
        )
    size = sum((await addresses.counts([pool.id]))[pool.id].values())
    await addresses.remove_all_unallocated(pool.id)
    try:
        await IpPoolRepository(session).delete(pool)
    except IntegrityError as exc:  # a zone or an allocation arrived in between
        raise Conflict(f"IP pool {pool.name} was just taken into use: reload it and try again.") from exc
    await emit(session, events.DELETED, _event(pool, size), subject_id=pool.id, project_id=pool.project_id)
    log.info("ip pool deleted", extra=log_fields(pool_id=pool.id, project_id=pool.project_id))


async def list_addresses(
    session: AsyncSession,
    identity: Identity,
    pool_id: str,
    status: str | None,
    owner: str | None,
    limit: int,
    offset: int,
) -> tuple[list[IpAddressOut], int]:
    pool = await get(session, identity, pool_id)
    rows, total = await AddressRepository(session).search(pool.id, status, owner, limit, offset)
    return [_address_out(a) for a in rows], total


def _address_out(a: IpAddress) -> IpAddressOut:
    return IpAddressOut(
        ip=a.ip,
        status=a.status,  # type: ignore[arg-type]  # the CHECK constraint keeps it one of the three
        owner=a.owner,
        allocated_at=a.allocated_at,
        checked_at=a.checked_at,
        updated_at=a.updated_at,
    )


async def _refuse_overlap(repo: IpPoolRepository, project_id: str, layout: Layout, except_id: str | None) -> None:
    for name, subnet in await repo.subnets(project_id, except_id):
        if ip_network(subnet).overlaps(layout.subnet):
            raise Conflict(
                f"subnet {layout.subnet} overlaps {subnet} of IP pool {name} in this project: "
                "use a subnet of its own, or add ranges to that pool instead.",
                field="subnet",
            )


def _stored(layout: Layout) -> dict[str, object]:
    return {
        "subnet": str(layout.subnet),
        "gateway": str(layout.gateway),
        "dns": [str(d) for d in layout.dns],
        "ranges": [{"start": str(s), "end": str(e)} for s, e in layout.ranges],
    }


def _some(kind: str, names: list[str], count: int) -> str:
    more = f" and {count - len(names)} more" if count > len(names) else ""
    return f"{kind}{'s' if count > 1 else ''} {', '.join(names)}{more}"


def _duplicate(name: str) -> Conflict:
    return Conflict(f"An IP pool named {name} already exists in this project: choose another name.", field="name")
