"""The alerts' sources, as durable JetStream consumers (one per source, each named after the database it
fills, like the health consumer): cluster health changes, the deployment's operations, Kubernetes Warning
events. Each handler runs in the consumer's transaction, applied once per event (``ko_common.bus``).

Order: a source's events are serialised and ordered on its mark (the newest applied event's time): an
older health event than the one applied changes nothing (a health event's findings are the full current
set), and an operation's failure older than a later success of its kind on the cluster fires nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from nats.js.api import DeliverPolicy
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.bus import ConsumerSpec, Handler
from ko_common.db import database_identity, utcnow
from ko_common.events import Envelope
from ko_common.operations.channels import operation_channels
from ko_observability.alerts import engine
from ko_observability.alerts.engine import Fact
from ko_observability.alerts.repository import AlertRepository, MarkRepository
from ko_observability.alerts.rules import BLINDING_FINDINGS, FINDING_RULES, FINDING_SEVERITY, HEALTH_RULES, POD_REASONS
from ko_observability.health.events import HEALTH_CHANGED
from ko_observability.health.repository import HealthRepository
from ko_observability.kube_events.events import WARNING

DEPLOYMENT_OPERATIONS = operation_channels("deployment")


class Finding(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str
    subject: str | None = None
    message: str = ""


class HealthChange(BaseModel):
    """The part of ClusterHealthEvent the alerts read (``findings`` defaults to none for older payloads)."""

    model_config = ConfigDict(extra="ignore")

    cluster_id: str
    project_id: str
    name: str
    state: str
    findings: list[Finding] = []


class OperationEnded(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    project_id: str
    cluster_id: str
    kind: str
    failure: dict[str, object] | None = None


class PodWarning(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cluster_id: str
    project_id: str
    namespace: str
    kind: str
    name: str
    reason: str
    message: str = ""


async def _ordered(session: AsyncSession, key: str, at: datetime) -> bool:
    """Lock the source's mark; False when an event newer than ``at`` was already applied."""
    mark = await MarkRepository(session).lock(key, at)
    if at < mark.at:
        return False
    mark.at = at
    return True


async def on_health_changed(session: AsyncSession, env: Envelope) -> None:
    change = HealthChange.model_validate(env.data)
    if not await _ordered(session, f"health:{change.cluster_id}", env.time):
        return
    now = utcnow()
    findings = [] if change.state == "unknown" else change.findings
    blind = any(f.code in BLINDING_FINDINGS for f in findings)
    facts: dict[str, Fact] = {}
    for f in findings:
        if (rule := FINDING_RULES.get(f.code)) is not None:
            fact = Fact(rule, change.project_id, change.cluster_id, change.name, f.subject or "", f.message,
                        FINDING_SEVERITY.get(f.code))  # fmt: skip
            facts.setdefault(fact.fingerprint, fact)
    firing = await AlertRepository(session).firing_of_cluster(change.cluster_id, sorted(HEALTH_RULES))
    for alert in firing:
        # Unreachable, the cluster's nodes, etcd and certificates are unknown: their alerts stay as they are.
        if alert.fingerprint not in facts and (not blind or alert.rule == "cluster-unreachable"):
            await engine.resolve(session, alert, now)
    for fact in facts.values():
        await engine.fire(session, fact, now)


async def on_operation(session: AsyncSession, env: Envelope) -> None:
    failed = env.type == DEPLOYMENT_OPERATIONS.failed.type
    if not failed and env.type != DEPLOYMENT_OPERATIONS.succeeded.type:
        return  # queued, started, cancelled: no verdict
    op = OperationEnded.model_validate(env.data)
    if not await _ordered(session, f"operation:{op.cluster_id}:{op.kind}", env.time):
        return
    now = utcnow()
    fp = engine.fingerprint("operation-failed", op.cluster_id, op.kind)
    if not failed:
        if (alert := await AlertRepository(session).firing(fp)) is not None:
            await engine.resolve(session, alert, now)
        return
    reason = str((op.failure or {}).get("message") or "")
    message = f"Operation {op.kind} ({op.id}) failed" + (f": {reason}" if reason else ".")
    name = await _cluster_name(session, op.cluster_id)
    await engine.fire(session, Fact("operation-failed", op.project_id, op.cluster_id, name, op.kind, message), now)


async def on_kube_warning(session: AsyncSession, env: Envelope) -> None:
    warning = PodWarning.model_validate(env.data)
    rule = POD_REASONS.get(warning.reason) if warning.kind == "Pod" else None
    if rule is None:
        return
    subject = f"{warning.namespace}/{warning.name}"
    await _ordered(session, f"pod:{warning.cluster_id}:{subject}", env.time)  # serialises; order is no matter
    name = await _cluster_name(session, warning.cluster_id)
    message = f"{warning.reason}: {warning.message}"
    # The quiet period counts from when the warning was published, so a replayed old one resolves soon.
    fact = Fact(rule, warning.project_id, warning.cluster_id, name, subject, message)
    await engine.fire(session, fact, utcnow(), seen_at=env.time)


async def _cluster_name(session: AsyncSession, cluster_id: str) -> str:
    row = await HealthRepository(session).get(cluster_id)
    return row.name if row is not None else cluster_id


def _spec(durable: str, subject: str, handler: Handler) -> ConsumerSpec:
    return ConsumerSpec(
        durable=durable,
        filter_subject=subject,
        handler=handler,
        deliver_policy=DeliverPolicy.ALL,
        inactive_threshold=7 * 24 * 3600.0,  # a consumer removed while away replays; the inbox skips the known
    )


CONSUMERS = (
    _spec("observability-alerts-health", HEALTH_CHANGED.subject_filter, on_health_changed),
    # One consumer for a cluster's failures and successes, so they are applied in the order they happened.
    _spec(
        "observability-alerts-operations", DEPLOYMENT_OPERATIONS.failed.subject.rsplit(".", 1)[0] + ".*", on_operation
    ),
    _spec("observability-alerts-kube-warnings", WARNING.subject_filter, on_kube_warning),
)


def consumers_for(database_url: str) -> list[ConsumerSpec]:
    """The CONSUMERS with durable names of their own for the database at ``database_url``."""
    suffix = database_identity(database_url)
    return [dataclasses.replace(c, durable=f"{c.durable}-{suffix}") for c in CONSUMERS]
