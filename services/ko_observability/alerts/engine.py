"""How facts change alerts: fire (or repeat) and resolve by fingerprint, silences applied, and the notices
each change owes the project's routes, all in the caller's transaction (a consumer's, the loop's or a
request's), so an alert change and its notices commit together or not at all.

Guarantees: at most one firing row per fingerprint (a partial unique index; callers serialise a source's
events on its mark); a repeat only counts; a fired-again alert after resolving is a new row; a silenced
alert gets no notice, and the one change that unsilences a never-notified firing alert makes its notices.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import new_id
from ko_common.events import emit
from ko_common.logging import log_fields
from ko_observability.alerts import events
from ko_observability.alerts.models import Alert, AlertNotice, AlertRoute, Silence
from ko_observability.alerts.repository import AlertRepository, RouteRepository, SilenceRepository
from ko_observability.alerts.rules import RULES, at_least
from ko_observability.alerts.schemas import AlertEvent, AlertOut, SilenceEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fact:
    """A source's report that a rule's condition holds for a subject of a cluster."""

    rule: str
    project_id: str
    cluster_id: str
    cluster_name: str
    subject: str
    message: str
    severity: str | None = None  # None: the rule's

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.rule, self.cluster_id, self.subject)


def fingerprint(rule: str, cluster_id: str, subject: str) -> str:
    return hashlib.sha256("\x00".join((rule, cluster_id, subject)).encode()).hexdigest()


def silences_match(silence: Silence, alert: Alert) -> bool:
    return (
        silence.project_id == alert.project_id
        and silence.rule in (None, alert.rule)
        and silence.cluster_id in (None, alert.cluster_id)
        and silence.subject in (None, alert.subject)
    )


def route_matches(route: AlertRoute, alert: Alert) -> bool:
    rules, clusters = json.loads(route.rules), json.loads(route.cluster_ids)
    return (
        route.enabled
        and (not rules or alert.rule in rules)
        and (not clusters or alert.cluster_id in clusters)
        and at_least(alert.severity, route.min_severity)
    )


async def fire(session: AsyncSession, fact: Fact, now: datetime, seen_at: datetime | None = None) -> Alert:
    """The fact's alert firing: a repeat counts on the firing row; otherwise a new row, announced and noticed.

    ``seen_at``: when the source saw the condition (default ``now``), what a quiet period counts from."""
    seen = seen_at or now
    repo = AlertRepository(session)
    alert = await repo.firing(fact.fingerprint)
    if alert is not None:
        alert.count += 1
        alert.last_seen_at = max(alert.last_seen_at, seen)
        alert.message, alert.cluster_name = fact.message, fact.cluster_name
        await session.flush()
        return alert
    alert = Alert(
        id=new_id(), fingerprint=fact.fingerprint, rule=fact.rule, project_id=fact.project_id,
        cluster_id=fact.cluster_id, cluster_name=fact.cluster_name, subject=fact.subject,
        severity=fact.severity or RULES[fact.rule].severity, message=fact.message, status="firing",
        started_at=now, last_seen_at=seen, count=1, notified=False,
    )  # fmt: skip
    alert.silenced = any(
        silences_match(s, alert) for s in await SilenceRepository(session).active(now, fact.project_id)
    )
    await repo.add(alert)
    await emit(session, events.FIRING, _event(alert), subject_id=alert.id, project_id=alert.project_id)
    if not alert.silenced:
        await notify(session, alert, "firing", now)
    log.info("alert firing", extra=log_fields(alert_id=alert.id, rule=alert.rule, cluster_id=alert.cluster_id))
    return alert


async def resolve(session: AsyncSession, alert: Alert, now: datetime) -> None:
    alert.status, alert.resolved_at = "resolved", now
    await session.flush()
    await emit(session, events.RESOLVED, _event(alert), subject_id=alert.id, project_id=alert.project_id)
    if alert.notified and not alert.silenced:
        await notify(session, alert, "resolved", now)
    log.info("alert resolved", extra=log_fields(alert_id=alert.id, rule=alert.rule, cluster_id=alert.cluster_id))


async def notify(session: AsyncSession, alert: Alert, kind: str, now: datetime) -> int:
    """Store a notice of ``kind`` for every route of the alert's project that wants it; how many."""
    if kind == "firing" and not await AlertRepository(session).claim_notify(alert.id):
        return 0  # another change already made its firing notices
    alert.notified = alert.notified or kind == "firing"
    made = 0
    for route in await RouteRepository(session).enabled_in(alert.project_id):
        if route_matches(route, alert) and (kind == "firing" or route.send_resolved):
            session.add(AlertNotice(route_id=route.id, alert_id=alert.id, cluster_id=alert.cluster_id, kind=kind,
                                    created_at=now))  # fmt: skip
            made += 1
    await session.flush()
    return made


async def apply_silences(session: AsyncSession, now: datetime, alerts: Sequence[Alert] | None = None) -> int:
    """Expire ended silences, then set each firing alert's flag from the silences in force; an alert that
    stops being silenced and was never notified is notified now. How many alerts changed."""
    silences = SilenceRepository(session)
    for silence in await silences.ended(now):
        if await silences.claim_expiry(silence.id):
            silence.expired = True
            await emit(session, events.SILENCE_EXPIRED, SilenceEvent.of(silence), subject_id=silence.id,
                       project_id=silence.project_id)  # fmt: skip
    active = await silences.active(now)
    repo, changed = AlertRepository(session), 0
    for alert in alerts if alerts is not None else await repo.all_firing():
        silenced = any(silences_match(s, alert) for s in active)
        if silenced == alert.silenced or not await repo.set_silenced(alert.id, silenced):
            continue
        alert.silenced, changed = silenced, changed + 1
        if not silenced and not alert.notified:
            await notify(session, alert, "firing", now)
    return changed


def _event(alert: Alert) -> AlertEvent:
    return AlertEvent(**AlertOut.of(alert).model_dump())
