"""Handing addresses out and taking them back, safely under concurrency on SQLite and PostgreSQL.

Allocation runs in several short transactions rather than the request's one, so that probing
(up to a timeout per address) never holds a lock:

1. **claim**: one ``UPDATE ... SET status='allocated', claim_id=<this call> WHERE id IN (<the first
   free addresses>) AND status='free' RETURNING ip``, committed at once. The condition is checked
   again on each row as it is updated, so two allocations can never both take an address: on
   PostgreSQL the second waits for the first's row lock and then finds the row no longer free
   (and ``FOR UPDATE SKIP LOCKED`` in the candidate subquery lets it pick other rows instead of
   waiting); SQLite runs one writing transaction at a time. A conditional update was chosen over
   ``SELECT ... FOR UPDATE SKIP LOCKED`` alone because it is the same single statement on both
   databases, and it needs no lock held across the probe.
2. **probe** the claimed addresses in parallel, outside any transaction.
3. **mark** the ones that answered ``in_use`` (committed: it is a fact even if the call then
   fails), and claim more for the ones lost, until the count is reached or the pool has no free
   address left.
4. **confirm**: clear the claim and record the ``allocated`` event in one transaction. If the call
   fails instead (not enough addresses, an error), its claims go back to free.

A request that dies between 1 and 4 leaves claimed rows; any later allocation of the pool frees
claims older than ``CLAIM_TTL`` first, so nothing stays lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from ipaddress import IPv4Address, ip_network

from ko_common.db import Database, new_id, utcnow
from ko_common.errors import Conflict, InvalidInput
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_inventory.ippools import events, service
from ko_inventory.ippools.probe import Prober
from ko_inventory.ippools.repository import AddressRepository
from ko_inventory.ippools.schemas import (
    Allocation,
    AllocationEvent,
    AllocationRequest,
    Release,
    ReleaseEvent,
    ReleaseRequest,
)

log = logging.getLogger(__name__)

CLAIM_TTL = timedelta(minutes=10)  # far longer than a probe round takes


async def allocate(
    db: Database, identity: Identity, pool_id: str, body: AllocationRequest, prober: Prober
) -> Allocation:
    async with db.transaction() as session:
        pool = await service.get(session, identity, pool_id, write=True)
        project_id, name = pool.project_id, pool.name
    claim_id = new_id()
    got: list[str] = []
    skipped: list[str] = []
    try:
        while len(got) < body.count:
            async with db.transaction() as session:
                repo = AddressRepository(session)
                if not got and not skipped:
                    await repo.expire_claims(pool_id, utcnow() - CLAIM_TTL)
                claimed = await repo.claim(pool_id, claim_id, body.owner, body.count - len(got), utcnow())
            if not claimed:
                async with db.transaction() as session:
                    if await AddressRepository(session).count_free(pool_id) == 0:
                        break
                continue  # the free rows we saw were taken meanwhile; others remain
            answering = await prober.answering(claimed)
            if answering:
                async with db.transaction() as session:
                    await AddressRepository(session).mark_in_use(claim_id, answering, utcnow())
                skipped += answering
                log.info(
                    "addresses answering on the network marked in_use",
                    extra=log_fields(pool_id=pool_id, addresses=answering),
                )
            got += [ip for ip in claimed if ip not in set(answering)]
        if len(got) < body.count:
            also = f"; {len(skipped)} more answered on the network and are now marked in_use" if skipped else ""
            raise Conflict(
                f"IP pool {name} has only {len(got)} free address(es) of the {body.count} asked for{also}: "
                "release addresses, or add ranges to the pool.",
                field="count",
            )
        async with db.transaction() as session:
            repo = AddressRepository(session)
            if await repo.confirm(claim_id, prober.enabled, utcnow()) != len(got):
                raise Conflict("The allocation was interrupted: try again.")  # claims expired under us
            got.sort(key=lambda ip: tuple(int(p) for p in ip.split(".")))
            data = AllocationEvent(
                pool_id=pool_id, project_id=project_id, owner=body.owner, addresses=got, skipped_in_use=skipped
            )
            await emit(session, events.ALLOCATED, data, subject_id=pool_id, project_id=project_id)
    except BaseException:
        await _give_back(db, claim_id)
        raise
    log.info("ip addresses allocated", extra=log_fields(pool_id=pool_id, count=len(got), owner=body.owner))
    return Allocation(pool_id=pool_id, owner=body.owner, addresses=got, skipped_in_use=skipped)


async def _give_back(db: Database, claim_id: str) -> None:
    """Free what this call claimed; shielded so a cancelled request still cleans up (else they expire)."""

    async def run() -> None:
        async with db.transaction() as session:
            await AddressRepository(session).unclaim(claim_id)

    with contextlib.suppress(Exception):
        await asyncio.shield(run())


async def release(db: Database, identity: Identity, pool_id: str, body: ReleaseRequest) -> Release:
    if body.addresses is None and body.owner is None:
        raise InvalidInput("addresses: give the addresses to release, or an owner instead.", field="addresses")
    if body.addresses is not None and body.owner is not None:
        raise InvalidInput("owner: give either addresses or owner, not both.", field="owner")
    async with db.transaction() as session:
        pool = await service.get(session, identity, pool_id, write=True)
        repo = AddressRepository(session)
        if body.addresses is not None:
            await _refuse_unknown(repo, pool.id, pool.subnet, body.addresses)
        released = await repo.release(pool.id, body.addresses, body.owner, utcnow())
        if released:
            data = ReleaseEvent(pool_id=pool.id, project_id=pool.project_id, owner=body.owner, addresses=released)
            await emit(session, events.RELEASED, data, subject_id=pool.id, project_id=pool.project_id)
    log.info("ip addresses released", extra=log_fields(pool_id=pool_id, count=len(released)))
    return Release(pool_id=pool_id, addresses=released)


async def _refuse_unknown(repo: AddressRepository, pool_id: str, subnet: str, addresses: list[str]) -> None:
    known = await repo.known(pool_id, addresses)
    net = ip_network(subnet)
    for i, ip in enumerate(addresses):
        if ip in known:
            continue
        field = f"addresses[{i}]"
        try:
            inside = IPv4Address(ip) in net
        except ValueError as exc:
            raise InvalidInput(f"{field}: {ip!r} is not an IPv4 address.", field=field) from exc
        where = "in this pool's ranges" if inside else f"inside the pool's subnet {subnet}"
        raise InvalidInput(f"{field}: {ip} is not {where}: give addresses the pool handed out.", field=field)
