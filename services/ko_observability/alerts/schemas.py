"""Alerts, rules, routes and silences in and out of the API, and the event payloads (never a secret)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ko_observability.alerts.models import Alert, AlertRoute, Silence
from ko_observability.alerts.rules import Rule, Severity

AlertStatus = Literal["firing", "resolved"]
SilenceState = Literal["pending", "active", "expired"]
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
Id = Annotated[str, Field(min_length=1, max_length=64)]


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("use 1 to 64 letters, digits, '.', '_' or '-' (no spaces), e.g. ops-critical")
    return value


Name = Annotated[str, AfterValidator(_check_name)]


class AlertOut(BaseModel):
    id: str
    rule: str
    project_id: str
    cluster_id: str
    cluster_name: str
    subject: str = Field(description="What in the cluster the alert is about (a node, a pod, an operation kind).")
    severity: Severity
    message: str
    status: AlertStatus
    started_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    count: int = Field(description="How often the condition was reported while firing (repeats deduplicate).")
    silenced: bool = Field(description="A silence matches it: recorded, not sent.")

    @classmethod
    def of(cls, a: Alert) -> AlertOut:
        return cls(
            id=a.id, rule=a.rule, project_id=a.project_id, cluster_id=a.cluster_id, cluster_name=a.cluster_name,
            subject=a.subject, severity=a.severity, message=a.message, status=a.status, started_at=a.started_at,
            last_seen_at=a.last_seen_at, resolved_at=a.resolved_at, count=a.count, silenced=a.silenced,
        )  # type: ignore[arg-type]  # fmt: skip


class AlertEvent(AlertOut):
    """An alert that started firing or resolved."""


class RuleOut(BaseModel):
    id: str
    severity: Severity
    title: dict[str, str] = Field(description="By language: en, zh.")
    description: dict[str, str]

    @classmethod
    def of(cls, r: Rule) -> RuleOut:
        return cls(id=r.id, severity=r.severity, title={"en": r.title_en, "zh": r.title_zh},
                   description={"en": r.description_en, "zh": r.description_zh})  # fmt: skip


class RouteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: Id
    name: Name
    channel_ids: list[Id] = Field(min_length=1, max_length=20, description="Channels of the same project.")
    rules: list[str] = Field(default_factory=list, max_length=50, description="Rule ids; empty: every rule.")
    min_severity: Severity = "info"
    cluster_ids: list[Id] = Field(default_factory=list, max_length=200, description="Empty: every cluster.")
    send_resolved: bool = True
    enabled: bool = True


class RouteUpdate(BaseModel):
    """Absent fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    channel_ids: list[Id] | None = Field(None, min_length=1, max_length=20)
    rules: list[str] | None = Field(None, max_length=50)
    min_severity: Severity | None = None
    cluster_ids: list[Id] | None = Field(None, max_length=200)
    send_resolved: bool | None = None
    enabled: bool | None = None


class RouteOut(BaseModel):
    id: str
    project_id: str
    name: str
    channel_ids: list[str]
    rules: list[str]
    min_severity: Severity
    cluster_ids: list[str]
    send_resolved: bool
    enabled: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, r: AlertRoute) -> RouteOut:
        return cls(
            id=r.id, project_id=r.project_id, name=r.name, channel_ids=json.loads(r.channel_ids),
            rules=json.loads(r.rules), min_severity=r.min_severity, cluster_ids=json.loads(r.cluster_ids),
            send_resolved=r.send_resolved, enabled=r.enabled, created_at=r.created_at, updated_at=r.updated_at,
        )  # type: ignore[arg-type]  # fmt: skip


class RouteEvent(BaseModel):
    id: str
    project_id: str
    name: str
    channel_ids: list[str]
    enabled: bool

    @classmethod
    def of(cls, r: AlertRoute) -> RouteEvent:
        return cls(id=r.id, project_id=r.project_id, name=r.name, channel_ids=json.loads(r.channel_ids),
                   enabled=r.enabled)  # fmt: skip


class SilenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: Id
    rule: str | None = Field(None, description="Matches this rule only; absent: every rule.")
    cluster_id: Id | None = Field(None, description="Matches this cluster only; absent: every cluster.")
    subject: str | None = Field(None, max_length=512, description="Matches this subject only (a node, a pod).")
    starts_at: datetime | None = Field(None, description="Default: now.")
    ends_at: datetime = Field(description="After starts_at and in the future; the silence expires then.")
    comment: str = Field("", max_length=1024)


class SilenceOut(BaseModel):
    id: str
    project_id: str
    rule: str | None
    cluster_id: str | None
    subject: str | None
    starts_at: datetime
    ends_at: datetime
    comment: str
    created_by: str
    created_at: datetime
    state: SilenceState

    @classmethod
    def of(cls, s: Silence, now: datetime) -> SilenceOut:
        state = "expired" if s.expired or s.ends_at <= now else "pending" if s.starts_at > now else "active"
        return cls(
            id=s.id, project_id=s.project_id, rule=s.rule, cluster_id=s.cluster_id, subject=s.subject,
            starts_at=s.starts_at, ends_at=s.ends_at, comment=s.comment, created_by=s.created_by,
            created_at=s.created_at, state=state,
        )  # type: ignore[arg-type]  # fmt: skip


class SilenceEvent(BaseModel):
    id: str
    project_id: str
    rule: str | None
    cluster_id: str | None
    subject: str | None
    starts_at: datetime
    ends_at: datetime
    created_by: str

    @classmethod
    def of(cls, s: Silence) -> SilenceEvent:
        return cls(id=s.id, project_id=s.project_id, rule=s.rule, cluster_id=s.cluster_id, subject=s.subject,
                   starts_at=s.starts_at, ends_at=s.ends_at, created_by=s.created_by)  # fmt: skip
