"""Alerts, routes and silences as the API serves them: project scoping (another project's are reported
missing; read-only members cannot write), every problem of a route or a silence named at once, events.

The caller's transaction is the request's: this module only flushes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import new_id, utcnow
from ko_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from ko_common.events import EventSpec, emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_observability.alerts import engine, events
from ko_observability.alerts.models import Alert, AlertRoute, Silence
from ko_observability.alerts.repository import AlertRepository, RouteRepository, SilenceRepository
from ko_observability.alerts.rules import RULES
from ko_observability.alerts.schemas import RouteCreate, RouteEvent, RouteUpdate, SilenceCreate, SilenceEvent
from ko_observability.channels.repository import ChannelRepository

log = logging.getLogger(__name__)


def _projects(identity: Identity, project_id: str | None) -> set[str] | None:
    if project_id is None:
        return identity.readable_projects()
    identity.require_read(project_id)
    return {project_id}


async def list_alerts(
    session: AsyncSession, identity: Identity, project_id: str | None, cluster_id: str | None, status: str | None,
    rule: str | None, limit: int, offset: int,
) -> tuple[Sequence[Alert], int]:  # fmt: skip
    projects = _projects(identity, project_id)
    return await AlertRepository(session).search(projects, cluster_id, status, rule, limit, offset)


async def get_alert(session: AsyncSession, identity: Identity, alert_id: str) -> Alert:
    alert = await AlertRepository(session).get(alert_id)
    if alert is None or not identity.can_read(alert.project_id):
        raise NotFound(f"No alert {alert_id}: check the id, or ask for access to its project.")
    return alert


# --- routes -------------------------------------------------------------------------------------


async def list_routes(
    session: AsyncSession, identity: Identity, project_id: str | None, limit: int, offset: int
) -> tuple[Sequence[AlertRoute], int]:
    return await RouteRepository(session).search(_projects(identity, project_id), limit, offset)


async def get_route(session: AsyncSession, identity: Identity, route_id: str, *, write: bool = False) -> AlertRoute:
    route = await RouteRepository(session).get(route_id)
    # A route of a project the caller cannot see is reported missing, so ids cannot be probed.
    if route is None or not identity.can_read(route.project_id):
        raise NotFound(f"No alert route {route_id}: check the id, or ask for access to its project.")
    if write and not identity.can_write(route.project_id):
        raise Forbidden("Your role in this route's project is read-only: ask a project manager or an admin.")
    return route


async def create_route(session: AsyncSession, identity: Identity, body: RouteCreate) -> AlertRoute:
    identity.require_write(body.project_id)
    await _check_route(session, body.project_id, body.channel_ids, body.rules)
    route = AlertRoute(
        id=new_id(), project_id=body.project_id, name=body.name, channel_ids=json.dumps(body.channel_ids),
        rules=json.dumps(body.rules), cluster_ids=json.dumps(body.cluster_ids), min_severity=body.min_severity,
        send_resolved=body.send_resolved, enabled=body.enabled,
    )  # fmt: skip
    repo = RouteRepository(session)
    await _refuse_duplicate(repo, body.project_id, body.name)
    try:
        await repo.add(route)
    except IntegrityError as exc:  # a concurrent create won the race
        raise _duplicate(body.name) from exc
    await _announce(session, events.ROUTE_CREATED, route)
    return route


async def update_route(session: AsyncSession, identity: Identity, route_id: str, body: RouteUpdate) -> AlertRoute:
    route = await get_route(session, identity, route_id, write=True)
    await _check_route(session, route.project_id, body.channel_ids, body.rules)
    repo = RouteRepository(session)
    if body.name is not None and body.name != route.name:
        await _refuse_duplicate(repo, route.project_id, body.name)
        route.name = body.name
    for name in ("channel_ids", "rules", "cluster_ids"):
        if (value := getattr(body, name)) is not None:
            setattr(route, name, json.dumps(value))
    for name in ("min_severity", "send_resolved", "enabled"):
        if (value := getattr(body, name)) is not None:
            setattr(route, name, value)
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise _duplicate(route.name) from exc
    await _announce(session, events.ROUTE_UPDATED, route)
    return route


async def delete_route(session: AsyncSession, identity: Identity, route_id: str) -> None:
    """Delete a route with the notices still waiting for its groups (nobody would receive them)."""
    route = await get_route(session, identity, route_id, write=True)
    await RouteRepository(session).delete(route)
    await _announce(session, events.ROUTE_DELETED, route)


async def _check_route(
    session: AsyncSession, project_id: str, channel_ids: list[str] | None, rules: list[str] | None
) -> None:
    problems: list[tuple[str, str]] = []
    repo = ChannelRepository(session)
    missing = [c for c in channel_ids or [] if (ch := await repo.get(c)) is None or ch.project_id != project_id]
    if missing:
        problems.append(("channel_ids", f"no notification channel {', '.join(missing)} in project {project_id}: "
                         "list them with GET /api/v1/notification-channels?project_id=..."))  # fmt: skip
    unknown = [r for r in rules or [] if r not in RULES]
    if unknown:
        problems.append(("rules", f"unknown rule {', '.join(unknown)}: use ids of {', '.join(RULES)}"))
    if problems:
        raise InvalidInput.many(problems)


async def _refuse_duplicate(repo: RouteRepository, project_id: str, name: str) -> None:
    if await repo.by_name(project_id, name) is not None:
        raise _duplicate(name)


def _duplicate(name: str) -> Conflict:
    return Conflict(f"An alert route named {name} already exists in this project: choose another name.", field="name")


async def _announce(session: AsyncSession, spec: EventSpec, route: AlertRoute) -> None:
    await emit(session, spec, RouteEvent.of(route), subject_id=route.id, project_id=route.project_id)
    log.info(spec.type, extra=log_fields(route_id=route.id, project_id=route.project_id))


# --- silences -----------------------------------------------------------------------------------


async def list_silences(
    session: AsyncSession, identity: Identity, project_id: str | None, limit: int, offset: int
) -> tuple[Sequence[Silence], int]:
    return await SilenceRepository(session).search(_projects(identity, project_id), limit, offset)


async def create_silence(session: AsyncSession, identity: Identity, body: SilenceCreate) -> Silence:
    identity.require_write(body.project_id)
    now = utcnow()
    starts_at = body.starts_at or now
    _check_silence(body, starts_at, now)
    silence = Silence(
        id=new_id(), project_id=body.project_id, rule=body.rule, cluster_id=body.cluster_id, subject=body.subject,
        starts_at=starts_at, ends_at=body.ends_at, comment=body.comment, created_by=identity.username,
        created_at=now, expired=False,
    )  # fmt: skip
    await SilenceRepository(session).add(silence)
    await emit(session, events.SILENCE_CREATED, SilenceEvent.of(silence), subject_id=silence.id,
               project_id=silence.project_id)  # fmt: skip
    await engine.apply_silences(session, now)
    log.info("silence created", extra=log_fields(silence_id=silence.id, project_id=silence.project_id))
    return silence


async def expire_silence(session: AsyncSession, identity: Identity, silence_id: str) -> None:
    """End the silence now: what it kept quiet and still fires is sent now."""
    repo = SilenceRepository(session)
    silence = await repo.get(silence_id)
    if silence is None or not identity.can_read(silence.project_id):
        raise NotFound(f"No silence {silence_id}: check the id, or ask for access to its project.")
    identity.require_write(silence.project_id)
    now = utcnow()
    if not silence.expired and silence.ends_at > now:
        silence.starts_at, silence.ends_at = min(silence.starts_at, now), now
        await session.flush()
        await engine.apply_silences(session, now)


def _check_silence(body: SilenceCreate, starts_at: datetime, now: datetime) -> None:
    problems: list[tuple[str, str]] = []
    if body.rule is not None and body.rule not in RULES:
        problems.append(("rule", f"unknown rule {body.rule}: one of {', '.join(RULES)}"))
    if body.ends_at.tzinfo is None or starts_at.tzinfo is None:
        problems.append(("ends_at", "give times with a zone, e.g. 2026-05-01T08:00:00Z"))
    elif body.ends_at <= starts_at:
        problems.append(("ends_at", "must be after starts_at: a silence ends after it starts"))
    elif body.ends_at <= now:
        problems.append(("ends_at", "is in the past: a silence must end in the future"))
    if problems:
        raise InvalidInput.many(problems)
