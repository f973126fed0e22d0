"""All SQL of IP pools and addresses.

Allocation is built from single conditional statements, each the first of its own short
transaction, so it is safe under concurrency on both databases (see ``ippools.allocator``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from ko_common.repository import Repository
from ko_inventory.ippools.models import STATUSES, IpAddress, IpPool
from ko_inventory.projects.models import KnownProject

ADDR = IpAddress.__table__.c


class IpPoolRepository(Repository[IpPool]):
    model = IpPool

    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(IpPool).where(IpPool.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def by_name(self, project_id: str, name: str) -> IpPool | None:
        return await self.one_or_none(select(IpPool).where(IpPool.project_id == project_id, IpPool.name == name))

    async def search(
        self, projects: set[str] | None, q: str | None, limit: int, offset: int
    ) -> tuple[Sequence[IpPool], int]:
        stmt = select(IpPool).order_by(IpPool.name, IpPool.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(IpPool.project_id.in_(sorted(projects)))
        if q:
            needle = q.lower()
            stmt = stmt.where(
                or_(*(func.lower(c).contains(needle, autoescape=True) for c in (IpPool.name, IpPool.description)))
            )
        return await self.paginate(stmt, limit, offset)

    async def lock_project(self, project_id: str) -> None:
        """Serialise pool writes of one project until commit (a row lock on PostgreSQL, the write
        lock on SQLite), so two requests cannot both pass the subnet overlap check."""
        await self.session.execute(
            update(KnownProject).where(KnownProject.id == project_id).values(name=KnownProject.name)
        )

    async def subnets(self, project_id: str, except_id: str | None) -> list[tuple[str, str]]:
        stmt = select(IpPool.name, IpPool.subnet).where(IpPool.project_id == project_id)
        if except_id is not None:
            stmt = stmt.where(IpPool.id != except_id)
        return [(name, subnet) for name, subnet in (await self.session.execute(stmt)).all()]

    async def flush(self) -> None:
        await self.session.flush()


class AddressRepository(Repository[IpAddress]):
    model = IpAddress

    async def counts(self, pool_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        out = {pid: dict.fromkeys(STATUSES, 0) for pid in pool_ids}
        if not pool_ids:
            return out
        stmt = (
            select(IpAddress.pool_id, IpAddress.status, func.count())
            .where(IpAddress.pool_id.in_(sorted(set(pool_ids))))
            .group_by(IpAddress.pool_id, IpAddress.status)
        )
        for pool_id, status, n in (await self.session.execute(stmt)).all():
            out[pool_id][status] = int(n)
        return out

    async def states(self, pool_id: str) -> dict[str, tuple[str, str | None]]:
        """ip -> (status, owner) of every address of the pool."""
        stmt = select(IpAddress.ip, IpAddress.status, IpAddress.owner).where(IpAddress.pool_id == pool_id)
        return {ip: (status, owner) for ip, status, owner in (await self.session.execute(stmt)).all()}

    async def add_free(self, pool_id: str, addresses: Sequence[tuple[str, int]]) -> None:
        if addresses:
            await self.session.execute(
                insert(IpAddress), [{"pool_id": pool_id, "ip": ip, "value": value} for ip, value in addresses]
            )

    async def remove_unallocated(self, pool_id: str, ips: Sequence[str]) -> int:
        """Delete these addresses unless allocated (or being claimed); how many went."""
        if not ips:
            return 0
        result: Any = await self.session.execute(
            delete(IpAddress).where(
                IpAddress.pool_id == pool_id,
                IpAddress.ip.in_(sorted(ips)),
                IpAddress.status != "allocated",
            )
        )
        return int(result.rowcount)

    async def remove_all_unallocated(self, pool_id: str) -> None:
        await self.session.execute(
            delete(IpAddress).where(IpAddress.pool_id == pool_id, IpAddress.status != "allocated")
        )

    async def allocated(self, pool_id: str) -> tuple[int, list[str]]:
        """How many addresses of the pool are allocated, and a few of their owners."""
        where = (IpAddress.pool_id == pool_id, IpAddress.status == "allocated")
        total = (await self.session.execute(select(func.count()).select_from(IpAddress).where(*where))).scalar_one()
        owners = await self.session.execute(
            select(IpAddress.owner).where(*where).distinct().order_by(IpAddress.owner).limit(5)
        )
        return int(total), [o or "?" for o in owners.scalars().all()]

    async def search(
        self, pool_id: str, status: str | None, owner: str | None, limit: int, offset: int
    ) -> tuple[Sequence[IpAddress], int]:
        stmt = select(IpAddress).where(IpAddress.pool_id == pool_id).order_by(IpAddress.value)
        if status:
            stmt = stmt.where(IpAddress.status == status)
        if owner:
            stmt = stmt.where(IpAddress.owner == owner)
        return await self.paginate(stmt, limit, offset)

    # --- allocation: each method below is one statement, the first of its transaction ---------------

    async def expire_claims(self, pool_id: str, before: datetime) -> int:
        """Free addresses claimed by an allocation that never finished (its request died)."""
        result: Any = await self.session.execute(
            update(IpAddress)
            .where(
                IpAddress.pool_id == pool_id,
                IpAddress.status == "allocated",
                IpAddress.claim_id.is_not(None),
                IpAddress.allocated_at < before,
            )
            .values(status="free", owner=None, claim_id=None, allocated_at=None)
        )
        return int(result.rowcount)

    async def claim(self, pool_id: str, claim_id: str, owner: str, count: int, now: datetime) -> list[str]:
        """Mark up to ``count`` free addresses (lowest first) as allocated to ``claim_id``; return them.

        ``status = 'free'`` is checked again on the row being updated, so an address another
        allocation took in the meantime is skipped, never taken twice. On PostgreSQL the candidate
        subquery also skips rows locked by a concurrent claim (``SKIP LOCKED``) instead of queueing
        behind it; SQLite, which runs one writer at a time, ignores the clause.
        """
        # A MATERIALIZED CTE is evaluated once: PostgreSQL may run a locking subquery in IN (...)
        # again for each row it updates, which takes more rows than the LIMIT.
        candidates = (
            select(IpAddress.id)
            .where(IpAddress.pool_id == pool_id, IpAddress.status == "free")
            .order_by(IpAddress.value)
            .limit(count)
            .with_for_update(skip_locked=True)
            .cte("candidates")
            .prefix_with("MATERIALIZED")
        )
        stmt = (
            update(IpAddress)
            .where(IpAddress.id.in_(select(candidates.c.id)), IpAddress.status == "free")
            .values(status="allocated", owner=owner, claim_id=claim_id, allocated_at=now, updated_at=now)
            .returning(IpAddress.ip, IpAddress.value)
        )
        rows = (await self.session.execute(stmt)).all()
        return [ip for ip, _ in sorted(rows, key=lambda r: r[1])]

    async def count_free(self, pool_id: str) -> int:
        stmt = (
            select(func.count()).select_from(IpAddress).where(IpAddress.pool_id == pool_id, IpAddress.status == "free")
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def mark_in_use(self, claim_id: str, ips: Sequence[str], now: datetime) -> None:
        await self.session.execute(
            update(IpAddress)
            .where(IpAddress.claim_id == claim_id, IpAddress.ip.in_(sorted(ips)))
            .values(status="in_use", owner=None, claim_id=None, allocated_at=None, checked_at=now, updated_at=now)
        )

    async def confirm(self, claim_id: str, probed: bool, now: datetime) -> int:
        values: dict[str, Any] = {"claim_id": None, "updated_at": now}
        if probed:
            values["checked_at"] = now
        result: Any = await self.session.execute(
            update(IpAddress).where(IpAddress.claim_id == claim_id, IpAddress.status == "allocated").values(**values)
        )
        return int(result.rowcount)

    async def unclaim(self, claim_id: str) -> None:
        await self.session.execute(
            update(IpAddress)
            .where(IpAddress.claim_id == claim_id, IpAddress.status == "allocated")
            .values(status="free", owner=None, claim_id=None, allocated_at=None)
        )

    async def release(self, pool_id: str, ips: Sequence[str] | None, owner: str | None, now: datetime) -> list[str]:
        """Free the given addresses (allocated or in_use), or every address allocated to ``owner``.

        Addresses still being claimed by a running allocation are not touched.
        """
        stmt = update(IpAddress).where(IpAddress.pool_id == pool_id, IpAddress.claim_id.is_(None))
        if ips is not None:
            stmt = stmt.where(IpAddress.ip.in_(sorted(set(ips))), IpAddress.status.in_(("allocated", "in_use")))
        else:
            stmt = stmt.where(IpAddress.owner == owner, IpAddress.status == "allocated")
        stmt = stmt.values(status="free", owner=None, allocated_at=None, updated_at=now).returning(
            IpAddress.ip, IpAddress.value
        )
        rows = (await self.session.execute(stmt)).all()
        return [ip for ip, _ in sorted(rows, key=lambda r: r[1])]

    async def known(self, pool_id: str, ips: Sequence[str]) -> set[str]:
        stmt = select(IpAddress.ip).where(IpAddress.pool_id == pool_id, IpAddress.ip.in_(sorted(set(ips))))
        return set((await self.session.execute(stmt)).scalars().all())
