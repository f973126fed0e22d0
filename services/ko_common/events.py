"""The event contract: a CloudEvents-style envelope, typed event specs, and the outbox.

Subjects:
- domain events ``ko.<domain>.<entity>.<verb>`` (stream KO_EVENTS, kept for days);
- operation events ``ko.deployment.operation.<id>.event`` (stream KO_OPERATION_EVENTS);
- job requests ``ko.jobs.<service>.<kind>`` (stream KO_JOBS, a work queue).

The specs are the only source of subjects: code publishes and subscribes with
``spec.subject_for(token)`` / ``spec.subject_filter``, never a subject spelled by hand,
and the AsyncAPI document and the console's event types are generated from them.
A channel that another service names without importing its owner is declared
here (``OPERATION_EVENTS``) and the owner builds its spec on it.

``emit`` writes the event into the service's outbox table in the caller's
transaction; the relay publishes it after commit (see ``bus.py``).
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import UTCDateTime, new_id, utcnow
from ko_common.logging import trace_id_var

CONTRACT_VERSION = "1.0.0"


class Envelope(BaseModel):
    """CloudEvents 1.0 attributes plus the KubeOperator extensions ``traceid`` and ``projectid``."""

    specversion: str = "1.0"
    id: str = Field(description="Unique event id (UUID); consumers deduplicate on it.")
    source: str = Field(description="The emitting service, e.g. `ko/inventory`.")
    type: str = Field(description="Versioned event type, e.g. `kubeoperator.inventory.credential.created.v1`.")
    time: datetime
    subject: str | None = Field(None, description="Id of the resource the event is about.")
    datacontenttype: str = "application/json"
    traceid: str | None = Field(None, description="Request/trace id of the call that caused the event.")
    projectid: str | None = Field(None, description="Project the resource belongs to; the live relay authorises on it.")
    data: dict[str, Any]


@dataclass(frozen=True)
class Channel:
    """A NATS subject, maybe holding one ``{id}`` token, and the JetStream stream that keeps it (None: core NATS)."""

    subject: str
    stream: str | None = "KO_EVENTS"

    def subject_for(self, token: str) -> str:
        """The subject of one message: ``{id}`` filled with ``token`` (an operation id, a database identity)."""
        return self.subject.replace("{id}", token)

    @property
    def subject_filter(self) -> str:
        """Every subject of the channel, to subscribe to or to filter a consumer on."""
        return self.subject.replace("{id}", "*")


# Named by the gateway (it relays an operation's events) and the bus (their stream) as well as by the deployment
# service that publishes them, which may not be imported by either.
OPERATION_EVENTS = Channel("ko.deployment.operation.{id}.event", stream="KO_OPERATION_EVENTS")


@dataclass(frozen=True, kw_only=True)
class EventSpec(Channel):
    """A declared event: its channel (always a stream), its type (from the subject), payload and summary."""

    stream: str = "KO_EVENTS"
    type: str
    data: builtins.type[BaseModel]
    summary: str


REGISTRY: dict[str, EventSpec] = {}


def event_spec(
    subject: str | Channel, data: type[BaseModel], summary: str, version: int = 1, stream: str = "KO_EVENTS"
) -> EventSpec:
    """Declare an event. ``subject`` is the NATS subject (may hold ``{id}``), or a channel (its stream too)."""
    if isinstance(subject, Channel):
        stream = subject.stream or stream
        subject = subject.subject
    parts = subject.replace(".{id}", "").split(".")
    type_ = "kubeoperator." + ".".join(parts[1:]) + f".v{version}"
    spec = EventSpec(subject=subject, type=type_, data=data, summary=summary, stream=stream)
    existing = REGISTRY.get(type_)
    if existing is not None and existing != spec:
        raise ValueError(f"event type {type_} declared twice differently")
    REGISTRY[type_] = spec
    return spec


def add_event_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The outbox (events to publish) and the inbox (event ids already handled) of a service."""
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    )
    inbox = Table(
        "processed_events",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("processed_at", UTCDateTime, nullable=False, default=utcnow),
    )
    return outbox, inbox


def envelope(
    spec: EventSpec,
    service: str,
    data: BaseModel,
    *,
    subject_id: str | None = None,
    project_id: str | None = None,
) -> Envelope:
    if not isinstance(data, spec.data):
        raise TypeError(f"{spec.type} carries {spec.data.__name__}, not {type(data).__name__}")
    return Envelope(
        id=new_id(),
        source=f"ko/{service}",
        type=spec.type,
        time=datetime.now(UTC),
        subject=subject_id,
        traceid=trace_id_var.get(),
        projectid=project_id,
        data=json.loads(data.model_dump_json()),
    )


async def emit(
    session: AsyncSession,
    spec: EventSpec,
    data: BaseModel,
    *,
    subject_id: str | None = None,
    project_id: str | None = None,
    subject_token: str | None = None,
) -> Envelope:
    """Record an event in the outbox, in the caller's transaction.

    ``{id}`` in the spec's subject becomes ``subject_token`` when given, else ``subject_id``.
    """
    info = session.info
    outbox: Table = info["ko_outbox"]
    env = envelope(spec, info["ko_service"], data, subject_id=subject_id, project_id=project_id)
    nats_subject = spec.subject_for(subject_token or subject_id or "")
    info["ko_emitted"] = True
    await session.execute(
        insert(outbox).values(event_id=env.id, subject=nats_subject, payload=env.model_dump_json(), created_at=utcnow())
    )
    return env
