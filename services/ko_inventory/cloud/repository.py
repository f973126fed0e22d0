"""All SQL of regions, zones and plans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, or_, select

from ko_common.repository import Repository
from ko_inventory.cloud.models import Plan, PlanZone, Region, Zone

HOLDERS_SHOWN = 5  # names listed in a "still used by" refusal


def _scoped(stmt: Select[Any], model: Any, projects: set[str] | None, q: str | None) -> Select[Any] | None:
    """``stmt`` limited to ``projects`` (None: all) and to names or descriptions holding ``q``."""
    if projects is not None:
        if not projects:
            return None
        stmt = stmt.where(model.project_id.in_(sorted(projects)))
    if q:
        needle = q.lower()
        stmt = stmt.where(
            or_(*(func.lower(col).contains(needle, autoescape=True) for col in (model.name, model.description)))
        )
    return stmt


class _Named(Repository[Any]):
    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(self.model).where(self.model.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def by_name(self, project_id: str, name: str) -> Any:
        return await self.one_or_none(
            select(self.model).where(self.model.project_id == project_id, self.model.name == name)
        )

    async def names(self, stmt: Select[Any]) -> tuple[list[str], int]:
        """Up to HOLDERS_SHOWN names ``stmt`` (a select of names) finds, and how many it finds."""
        total = (await self.session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
        shown = (await self.session.execute(stmt.order_by(self.model.name).limit(HOLDERS_SHOWN))).scalars().all()
        return list(shown), int(total)

    async def flush(self) -> None:
        await self.session.flush()


class RegionRepository(_Named):
    model = Region

    async def search(
        self, projects: set[str] | None, q: str | None, provider: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Region], int]:
        stmt = _scoped(select(Region).order_by(Region.name, Region.id), Region, projects, q)
        if stmt is None:
            return [], 0
        if provider:
            stmt = stmt.where(Region.provider == provider)
        return await self.paginate(stmt, limit, offset)

    async def providers(self, region_ids: set[str]) -> dict[str, str]:
        if not region_ids:
            return {}
        rows = await self.session.execute(select(Region.id, Region.provider).where(Region.id.in_(sorted(region_ids))))
        return {rid: provider for rid, provider in rows.all()}


class ZoneRepository(_Named):
    model = Zone

    async def search(
        self, projects: set[str] | None, q: str | None, region_id: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Zone], int]:
        stmt = _scoped(select(Zone).order_by(Zone.name, Zone.id), Zone, projects, q)
        if stmt is None:
            return [], 0
        if region_id:
            stmt = stmt.where(Zone.region_id == region_id)
        return await self.paginate(stmt, limit, offset)

    async def by_ids(self, ids: Sequence[str]) -> dict[str, Zone]:
        zones = await self.all(select(Zone).where(Zone.id.in_(sorted(set(ids)))))
        return {z.id: z for z in zones}

    async def in_region(self, region_id: str) -> tuple[list[str], int]:
        return await self.names(select(Zone.name).where(Zone.region_id == region_id))

    async def using_pool(self, pool_id: str) -> tuple[list[str], int]:
        return await self.names(select(Zone.name).where(Zone.ip_pool_id == pool_id))


class PlanRepository(_Named):
    model = Plan

    async def search(
        self, projects: set[str] | None, q: str | None, region_id: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Plan], int]:
        stmt = _scoped(select(Plan).order_by(Plan.name, Plan.id), Plan, projects, q)
        if stmt is None:
            return [], 0
        if region_id:
            stmt = stmt.where(Plan.region_id == region_id)
        return await self.paginate(stmt, limit, offset)

    async def zone_ids(self, plan_ids: Sequence[str]) -> dict[str, list[str]]:
        """The zones of each plan, in the plan's order."""
        out: dict[str, list[str]] = {pid: [] for pid in plan_ids}
        if not plan_ids:
            return out
        stmt = (
            select(PlanZone.plan_id, PlanZone.zone_id)
            .where(PlanZone.plan_id.in_(sorted(set(plan_ids))))
            .order_by(PlanZone.plan_id, PlanZone.position)
        )
        for plan_id, zone_id in (await self.session.execute(stmt)).all():
            out[plan_id].append(zone_id)
        return out

    async def set_zones(self, plan_id: str, zone_ids: Sequence[str]) -> None:
        await self.session.execute(delete(PlanZone).where(PlanZone.plan_id == plan_id))
        self.session.add_all(PlanZone(plan_id=plan_id, position=i, zone_id=z) for i, z in enumerate(zone_ids))
        await self.session.flush()

    async def in_region(self, region_id: str) -> tuple[list[str], int]:
        return await self.names(select(Plan.name).where(Plan.region_id == region_id))

    async def using_zone(self, zone_id: str) -> tuple[list[str], int]:
        stmt = select(Plan.name).join(PlanZone, PlanZone.plan_id == Plan.id).where(PlanZone.zone_id == zone_id)
        return await self.names(stmt)

    async def delete_plan(self, plan: Plan) -> None:
        await self.session.execute(delete(PlanZone).where(PlanZone.plan_id == plan.id))
        await self.delete(plan)
