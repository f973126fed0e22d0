"""Regions, zones and plans: project scoping, checks against the region's provider, events.

Design: all three are project resources (like credentials). A region's provider is fixed at
creation: zones and plans are validated against it, so changing it would silently invalidate
them. A zone stays in its region for the same reason (plans pair zones with their region).
A region's credentials are proven by a login to its cloud (cloud/login.py) before they are stored:
at creation, and when an update changes the password or another field the login uses.
The caller's transaction is the request's: this module only flushes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import box_for
from ko_common.db import new_id
from ko_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_inventory.cloud import events, login
from ko_inventory.cloud.models import Plan, Region, Zone
from ko_inventory.cloud.placement import spread
from ko_inventory.cloud.repository import PlanRepository, RegionRepository, ZoneRepository, _Named
from ko_inventory.cloud.schemas import (
    MASTERS,
    SIZE_FIELDS,
    ZONE_FIELDS,
    Placement,
    PlanCreate,
    PlanEvent,
    PlanOut,
    PlanSize,
    PlanUpdate,
    RegionCreate,
    RegionEvent,
    RegionOut,
    RegionTestResult,
    RegionUpdate,
    ZoneCreate,
    ZoneEvent,
    ZoneOut,
    ZoneSettings,
    ZoneUpdate,
)
from ko_inventory.ippools.repository import IpPoolRepository
from ko_inventory.projects.service import require_known

log = logging.getLogger(__name__)
TABLE = "regions"
KINDS = {Region: "region", Zone: "zone", Plan: "plan"}
# kubeadm's preflight refuses a control-plane node with fewer than 2 CPUs or about 1.7 GB of memory.
MASTER_MIN = {"cpus": 2, "memory_gib": 2}
# The fields a login to the cloud uses besides the password: changing one proves the login again.
LOGIN_FIELDS = ("endpoint", "username", "project_name", "domain_name", "insecure_tls")


def _readable(identity: Identity, project_id: str | None) -> set[str] | None:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    return projects


async def _get(repo: _Named, identity: Identity, obj_id: str, write: bool) -> Any:
    obj = await repo.get(obj_id)
    kind = KINDS[repo.model]
    # Something of a project the caller cannot see is reported missing, so ids cannot be probed.
    if obj is None or not identity.can_read(obj.project_id):
        raise NotFound(f"No {kind} {obj_id}: check the id, or ask for access to its project.")
    if write and not identity.can_write(obj.project_id):
        raise Forbidden(f"Your role in this {kind}'s project is read-only: ask a project manager or an admin.")
    return obj


async def _refuse_duplicate(repo: _Named, project_id: str, name: str) -> None:
    if await repo.by_name(project_id, name) is not None:
        raise _duplicate(KINDS[repo.model], name)


def _duplicate(kind: str, name: str) -> Conflict:
    return Conflict(f"A {kind} named {name} already exists in this project: choose another name.", field="name")


def _some(kind: str, names: list[str], count: int) -> str:
    more = f" and {count - len(names)} more" if count > len(names) else ""
    return f"{kind}{'s' if count > 1 else ''} {', '.join(names)}{more}"


async def _flush(repo: _Named, kind: str, name: str) -> None:
    try:
        await repo.flush()
    except IntegrityError as exc:  # a concurrent write won the race (same name, or a deleted reference)
        raise Conflict(f"The {kind} {name} conflicts with a change made at the same time: reload and retry.") from exc


# --- regions ---------------------------------------------------------------------------------------


def region_out(r: Region) -> RegionOut:
    return RegionOut.model_validate(
        {
            **{k: getattr(r, k) for k in RegionOut.model_fields if k != "has_password"},
            "has_password": bool(r.password_enc),
        }
    )


def _region_event(r: Region) -> RegionEvent:
    return RegionEvent.model_validate({k: getattr(r, k) for k in RegionEvent.model_fields})


def _check_openstack_fields(provider: str, project_name: str | None, domain_name: str | None) -> None:
    for field, value in (("project_name", project_name), ("domain_name", domain_name)):
        if provider == "openstack" and not value:
            raise InvalidInput(f"{field}: required for openstack regions, e.g. admin / Default.", field=field)
        if provider == "vsphere" and value is not None:
            raise InvalidInput(f"{field}: not used by vsphere regions: leave it out.", field=field)


async def list_regions(
    session: AsyncSession,
    identity: Identity,
    project_id: str | None,
    q: str | None,
    provider: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Region], int]:
    return await RegionRepository(session).search(_readable(identity, project_id), q, provider, limit, offset)


def _credentials(region: Region | RegionCreate, password: str, **changes: Any) -> login.Credentials:
    values = {name: changes.get(name, getattr(region, name)) for name in ("provider", *LOGIN_FIELDS)}
    return login.Credentials(password=password, **values)


async def _prove_login(policy: login.LoginPolicy, creds: login.Credentials, project_id: str) -> None:
    """Refuse credentials the cloud refuses, naming the field to fix; the session is the caller's, untouched."""
    if not policy.check_on_save:
        return
    try:
        await login.login(creds, policy.timeout)
    except login.LoginRefused as exc:
        log.info(
            "region login refused", extra=log_fields(project_id=project_id, provider=creds.provider, field=exc.field)
        )
        raise InvalidInput(f"{exc.field}: {exc.detail}", field=exc.field) from None


async def create_region(
    session: AsyncSession, identity: Identity, body: RegionCreate, policy: login.LoginPolicy
) -> Region:
    identity.require_write(body.project_id)
    _check_openstack_fields(body.provider, body.project_name, body.domain_name)
    await require_known(session, body.project_id)
    repo = RegionRepository(session)
    await _refuse_duplicate(repo, body.project_id, body.name)
    await _prove_login(policy, _credentials(body, body.password.get_secret_value()), body.project_id)
    region = Region(
        id=new_id(),
        **body.model_dump(exclude={"password"}),
    )
    region.password_enc = box_for(session).encrypt(
        body.password.get_secret_value(), table=TABLE, row_id=region.id, field="password"
    )
    try:
        await repo.add(region)
    except IntegrityError as exc:
        raise _duplicate("region", body.name) from exc
    await emit(
        session, events.REGION_CREATED, _region_event(region), subject_id=region.id, project_id=region.project_id
    )
    log.info("region created", extra=log_fields(region_id=region.id, project_id=region.project_id))
    return region


async def get_region(session: AsyncSession, identity: Identity, region_id: str, *, write: bool = False) -> Region:
    region: Region = await _get(RegionRepository(session), identity, region_id, write)
    return region


async def update_region(
    session: AsyncSession, identity: Identity, region_id: str, body: RegionUpdate, policy: login.LoginPolicy
) -> Region:
    region = await get_region(session, identity, region_id, write=True)
    given = body.model_fields_set
    if not given:
        return region
    if body.provider is not None and body.provider != region.provider:
        raise InvalidInput(
            f"provider: a region's provider cannot change (its zones and plans are {region.provider} ones): "
            "create a new region instead.",
            field="provider",
        )
    for field in ("project_name", "domain_name"):
        if field in given and getattr(body, field) is None and region.provider == "openstack":
            raise InvalidInput(f"{field}: required for openstack regions: give a value or leave it out.", field=field)
    _check_openstack_fields(
        region.provider,
        body.project_name if "project_name" in given else region.project_name,
        body.domain_name if "domain_name" in given else region.domain_name,
    )
    if "password" in given and body.password is None:
        raise InvalidInput("password: cannot be removed: give a new one or leave it out.", field="password")
    await require_known(session, region.project_id)
    repo = RegionRepository(session)
    if body.name is not None and body.name != region.name:
        await _refuse_duplicate(repo, region.project_id, body.name)
    changes = {f: getattr(body, f) for f in LOGIN_FIELDS if getattr(body, f) is not None}
    if body.password is not None or any(v != getattr(region, f) for f, v in changes.items()):
        password = body.password.get_secret_value() if body.password is not None else _password(session, region)
        await _prove_login(policy, _credentials(region, password, **changes), region.project_id)
    for field in (
        "name",
        "description",
        "endpoint",
        "datacenter",
        "username",
        "project_name",
        "domain_name",
        "insecure_tls",
    ):
        value = getattr(body, field)
        if value is not None:
            setattr(region, field, value)
    if body.password is not None:
        region.password_enc = box_for(session).encrypt(
            body.password.get_secret_value(), table=TABLE, row_id=region.id, field="password"
        )
    await _flush(repo, "region", region.name)
    await emit(
        session, events.REGION_UPDATED, _region_event(region), subject_id=region.id, project_id=region.project_id
    )
    log.info("region updated", extra=log_fields(region_id=region.id, project_id=region.project_id))
    return region


async def delete_region(session: AsyncSession, identity: Identity, region_id: str) -> None:
    region = await get_region(session, identity, region_id, write=True)
    zones, zone_count = await ZoneRepository(session).in_region(region.id)
    plans, plan_count = await PlanRepository(session).in_region(region.id)
    holders = [_some(k, n, c) for k, n, c in (("zone", zones, zone_count), ("plan", plans, plan_count)) if c]
    if holders:
        raise Conflict(f"Region {region.name} is used by {' and '.join(holders)}: delete them first.")
    try:
        await RegionRepository(session).delete(region)
    except IntegrityError as exc:
        raise Conflict(f"Region {region.name} was just taken into use: reload it and try again.") from exc
    await emit(
        session, events.REGION_DELETED, _region_event(region), subject_id=region.id, project_id=region.project_id
    )
    log.info("region deleted", extra=log_fields(region_id=region.id, project_id=region.project_id))


async def test_login(
    session: AsyncSession, identity: Identity, region_id: str, policy: login.LoginPolicy
) -> RegionTestResult:
    """Log in with the stored credentials, whatever ``check_on_save`` says; changes nothing."""
    region = await get_region(session, identity, region_id, write=True)
    try:
        detail = await login.login(_credentials(region, _password(session, region)), policy.timeout)
    except login.LoginRefused as exc:
        log.info("region login tested", extra=log_fields(region_id=region.id, ok=False, field=exc.field))
        return RegionTestResult(ok=False, detail=exc.detail, field=exc.field)
    log.info("region login tested", extra=log_fields(region_id=region.id, ok=True))
    return RegionTestResult(ok=True, detail=detail, field=None)


def _password(session: AsyncSession, region: Region) -> str:
    return box_for(session).decrypt(region.password_enc, table=TABLE, row_id=region.id, field="password")


async def reveal_password(session: AsyncSession, region_id: str) -> str:
    """The region's API password, for this service's own calls to the cloud; never an HTTP answer."""
    region: Region | None = await RegionRepository(session).get(region_id)
    if region is None:
        raise NotFound(f"No region {region_id}.")
    return _password(session, region)


async def _region_in_project(session: AsyncSession, project_id: str, region_id: str, field: str) -> Region:
    region: Region | None = await RegionRepository(session).get(region_id)
    if region is None or region.project_id != project_id:
        raise InvalidInput(
            f"{field}: no region {region_id} in project {project_id}: create the region first, "
            f"or pick one from GET /api/v1/regions?project_id={project_id}.",
            field=field,
        )
    return region


# --- zones -----------------------------------------------------------------------------------------


def _check_zone_settings(provider: str, settings: ZoneSettings) -> dict[str, str]:
    required, optional = ZONE_FIELDS[provider]
    given = settings.model_dump(exclude_none=True)
    for name in sorted(set(given) - required - optional):
        field = f"provider_settings.{name}"
        takes = ", ".join(sorted(required | optional))
        raise InvalidInput(f"{field}: not used by {provider} regions ({takes}): leave it out.", field=field)
    missing = sorted(required - set(given))
    if missing:
        field = f"provider_settings.{missing[0]}"
        raise InvalidInput(f"{field}: required for {provider} regions (missing: {', '.join(missing)}).", field=field)
    return given


async def _pool_in_project(session: AsyncSession, project_id: str, pool_id: str) -> None:
    pool = await IpPoolRepository(session).get(pool_id)
    if pool is None or pool.project_id != project_id:
        raise InvalidInput(
            f"ip_pool_id: no IP pool {pool_id} in project {project_id}: create the pool first, "
            f"or pick one from GET /api/v1/ip-pools?project_id={project_id}.",
            field="ip_pool_id",
        )


async def zone_outputs(session: AsyncSession, zones: Sequence[Zone]) -> list[ZoneOut]:
    providers = await RegionRepository(session).providers({z.region_id for z in zones})
    return [
        ZoneOut.model_validate(
            {
                **{k: getattr(z, k) for k in ZoneOut.model_fields if k != "provider"},
                "provider": providers[z.region_id],
            }
        )
        for z in zones
    ]


def _zone_event(z: Zone) -> ZoneEvent:
    return ZoneEvent.model_validate({k: getattr(z, k) for k in ZoneEvent.model_fields})


async def list_zones(
    session: AsyncSession,
    identity: Identity,
    project_id: str | None,
    q: str | None,
    region_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ZoneOut], int]:
    zones, total = await ZoneRepository(session).search(_readable(identity, project_id), q, region_id, limit, offset)
    return await zone_outputs(session, zones), total


async def create_zone(session: AsyncSession, identity: Identity, body: ZoneCreate) -> Zone:
    identity.require_write(body.project_id)
    await require_known(session, body.project_id)
    region = await _region_in_project(session, body.project_id, body.region_id, "region_id")
    settings = _check_zone_settings(region.provider, body.provider_settings)
    await _pool_in_project(session, body.project_id, body.ip_pool_id)
    repo = ZoneRepository(session)
    await _refuse_duplicate(repo, body.project_id, body.name)
    zone = Zone(
        id=new_id(),
        project_id=body.project_id,
        name=body.name,
        description=body.description,
        region_id=region.id,
        ip_pool_id=body.ip_pool_id,
        provider_settings=settings,
    )
    try:
        await repo.add(zone)
    except IntegrityError as exc:
        raise _duplicate("zone", body.name) from exc
    await emit(session, events.ZONE_CREATED, _zone_event(zone), subject_id=zone.id, project_id=zone.project_id)
    log.info("zone created", extra=log_fields(zone_id=zone.id, project_id=zone.project_id))
    return zone


async def get_zone(session: AsyncSession, identity: Identity, zone_id: str, *, write: bool = False) -> Zone:
    zone: Zone = await _get(ZoneRepository(session), identity, zone_id, write)
    return zone


async def update_zone(session: AsyncSession, identity: Identity, zone_id: str, body: ZoneUpdate) -> Zone:
    zone = await get_zone(session, identity, zone_id, write=True)
    if not body.model_fields_set:
        return zone
    if body.region_id is not None and body.region_id != zone.region_id:
        raise InvalidInput(
            "region_id: a zone cannot move to another region (plans pair it with its region): "
            "create a new zone in that region instead.",
            field="region_id",
        )
    await require_known(session, zone.project_id)
    repo = ZoneRepository(session)
    if body.name is not None and body.name != zone.name:
        await _refuse_duplicate(repo, zone.project_id, body.name)
        zone.name = body.name
    if body.description is not None:
        zone.description = body.description
    if body.provider_settings is not None:
        region = await _region_in_project(session, zone.project_id, zone.region_id, "region_id")
        zone.provider_settings = _check_zone_settings(region.provider, body.provider_settings)
    if body.ip_pool_id is not None:
        await _pool_in_project(session, zone.project_id, body.ip_pool_id)
        zone.ip_pool_id = body.ip_pool_id
    await _flush(repo, "zone", zone.name)
    await emit(session, events.ZONE_UPDATED, _zone_event(zone), subject_id=zone.id, project_id=zone.project_id)
    log.info("zone updated", extra=log_fields(zone_id=zone.id, project_id=zone.project_id))
    return zone


async def delete_zone(session: AsyncSession, identity: Identity, zone_id: str) -> None:
    zone = await get_zone(session, identity, zone_id, write=True)
    plans, count = await PlanRepository(session).using_zone(zone.id)
    if count:
        raise Conflict(f"Zone {zone.name} is used by {_some('plan', plans, count)}: change or delete them first.")
    try:
        await ZoneRepository(session).delete(zone)
    except IntegrityError as exc:
        raise Conflict(f"Zone {zone.name} was just taken into use: reload it and try again.") from exc
    await emit(session, events.ZONE_DELETED, _zone_event(zone), subject_id=zone.id, project_id=zone.project_id)
    log.info("zone deleted", extra=log_fields(zone_id=zone.id, project_id=zone.project_id))


# --- plans -----------------------------------------------------------------------------------------


def _check_size(provider: str, size: PlanSize, which: str) -> dict[str, Any]:
    allowed = SIZE_FIELDS[provider]
    given = size.model_dump(exclude_none=True)
    for name in sorted(set(given) - allowed):
        field = f"{which}.{name}"
        raise InvalidInput(
            f"{field}: not used by {provider} regions ({', '.join(sorted(allowed))}): leave it out.", field=field
        )
    missing = sorted(allowed - set(given))
    if missing:
        field = f"{which}.{missing[0]}"
        raise InvalidInput(f"{field}: required for {provider} regions (missing: {', '.join(missing)}).", field=field)
    if which == "master_size":
        for name, least in MASTER_MIN.items():
            if name in given and given[name] < least:
                field = f"{which}.{name}"
                raise InvalidInput(f"{field}: a master needs at least {least} (kubeadm's minimum).", field=field)
    return given


async def _check_zones(session: AsyncSession, project_id: str, region: Region, zone_ids: list[str]) -> None:
    zones = await ZoneRepository(session).by_ids(zone_ids)
    seen: set[str] = set()
    for i, zone_id in enumerate(zone_ids):
        field = f"zone_ids[{i}]"
        if zone_id in seen:
            raise InvalidInput(f"{field}: zone {zone_id} is listed twice: list each zone once.", field=field)
        seen.add(zone_id)
        zone = zones.get(zone_id)
        if zone is None or zone.project_id != project_id:
            raise InvalidInput(
                f"{field}: no zone {zone_id} in project {project_id}: create it first, "
                f"or pick one from GET /api/v1/zones?region_id={region.id}.",
                field=field,
            )
        if zone.region_id != region.id:
            raise InvalidInput(
                f"{field}: zone {zone.name} belongs to another region than the plan's ({region.name}): "
                "choose zones of the plan's region.",
                field=field,
            )


async def plan_outputs(session: AsyncSession, plans: Sequence[Plan]) -> list[PlanOut]:
    zones = await PlanRepository(session).zone_ids([p.id for p in plans])
    providers = await RegionRepository(session).providers({p.region_id for p in plans})
    out = []
    for p in plans:
        masters = MASTERS[p.topology]
        out.append(
            PlanOut.model_validate(
                {
                    **{
                        k: getattr(p, k)
                        for k in (
                            "id",
                            "project_id",
                            "name",
                            "description",
                            "region_id",
                            "topology",
                            "worker_count",
                            "master_size",
                            "worker_size",
                            "created_at",
                            "updated_at",
                        )
                    },
                    "provider": providers[p.region_id],
                    "master_count": masters,
                    "zone_ids": zones[p.id],
                    "placement": Placement(
                        masters=spread(masters, zones[p.id]), workers=spread(p.worker_count, zones[p.id])
                    ),
                }
            )
        )
    return out


def _plan_event(p: Plan, zone_ids: list[str]) -> PlanEvent:
    return PlanEvent(
        id=p.id,
        project_id=p.project_id,
        name=p.name,
        region_id=p.region_id,
        topology=p.topology,  # type: ignore[arg-type]  # the CHECK constraint keeps it single or ha
        worker_count=p.worker_count,
        zone_ids=zone_ids,
    )


async def list_plans(
    session: AsyncSession,
    identity: Identity,
    project_id: str | None,
    q: str | None,
    region_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[PlanOut], int]:
    plans, total = await PlanRepository(session).search(_readable(identity, project_id), q, region_id, limit, offset)
    return await plan_outputs(session, plans), total


async def create_plan(session: AsyncSession, identity: Identity, body: PlanCreate) -> Plan:
    identity.require_write(body.project_id)
    await require_known(session, body.project_id)
    region = await _region_in_project(session, body.project_id, body.region_id, "region_id")
    master_size = _check_size(region.provider, body.master_size, "master_size")
    worker_size = _check_size(region.provider, body.worker_size, "worker_size")
    await _check_zones(session, body.project_id, region, body.zone_ids)
    repo = PlanRepository(session)
    await _refuse_duplicate(repo, body.project_id, body.name)
    plan = Plan(
        id=new_id(),
        project_id=body.project_id,
        name=body.name,
        description=body.description,
        region_id=region.id,
        topology=body.topology,
        worker_count=body.worker_count,
        master_size=master_size,
        worker_size=worker_size,
    )
    try:
        await repo.add(plan)
        await repo.set_zones(plan.id, body.zone_ids)
    except IntegrityError as exc:
        raise Conflict(
            f"The plan {body.name} conflicts with a change made at the same time: reload and retry."
        ) from exc
    event = _plan_event(plan, body.zone_ids)
    await emit(session, events.PLAN_CREATED, event, subject_id=plan.id, project_id=plan.project_id)
    log.info("plan created", extra=log_fields(plan_id=plan.id, project_id=plan.project_id))
    return plan


async def get_plan(session: AsyncSession, identity: Identity, plan_id: str, *, write: bool = False) -> Plan:
    plan: Plan = await _get(PlanRepository(session), identity, plan_id, write)
    return plan


async def update_plan(session: AsyncSession, identity: Identity, plan_id: str, body: PlanUpdate) -> Plan:
    plan = await get_plan(session, identity, plan_id, write=True)
    if not body.model_fields_set:
        return plan
    await require_known(session, plan.project_id)
    repo = PlanRepository(session)
    zone_ids = body.zone_ids if body.zone_ids is not None else (await repo.zone_ids([plan.id]))[plan.id]
    region = await _region_in_project(session, plan.project_id, body.region_id or plan.region_id, "region_id")
    master = body.master_size or PlanSize.model_validate(plan.master_size)
    worker = body.worker_size or PlanSize.model_validate(plan.worker_size)
    plan.master_size = _check_size(region.provider, master, "master_size")
    plan.worker_size = _check_size(region.provider, worker, "worker_size")
    await _check_zones(session, plan.project_id, region, zone_ids)
    if body.name is not None and body.name != plan.name:
        await _refuse_duplicate(repo, plan.project_id, body.name)
        plan.name = body.name
    if body.description is not None:
        plan.description = body.description
    if body.topology is not None:
        plan.topology = body.topology
    if body.worker_count is not None:
        plan.worker_count = body.worker_count
    plan.region_id = region.id
    await _flush(repo, "plan", plan.name)
    if body.zone_ids is not None:
        await repo.set_zones(plan.id, zone_ids)
    await emit(
        session, events.PLAN_UPDATED, _plan_event(plan, zone_ids), subject_id=plan.id, project_id=plan.project_id
    )
    log.info("plan updated", extra=log_fields(plan_id=plan.id, project_id=plan.project_id))
    return plan


async def delete_plan(session: AsyncSession, identity: Identity, plan_id: str) -> None:
    plan = await get_plan(session, identity, plan_id, write=True)
    repo = PlanRepository(session)
    zone_ids = (await repo.zone_ids([plan.id]))[plan.id]
    await repo.delete_plan(plan)
    await emit(
        session, events.PLAN_DELETED, _plan_event(plan, zone_ids), subject_id=plan.id, project_id=plan.project_id
    )
    log.info("plan deleted", extra=log_fields(plan_id=plan.id, project_id=plan.project_id))
