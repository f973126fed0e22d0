"""The columns of operations, their phases and their events, as mixins: each service keeps its own tables.

A service declares three classes on its own declarative base, e.g.

    class Operation(OperationMixin, Base):           __tablename__ = "operations"
    class OperationPhase(OperationPhaseMixin, Base): __tablename__ = "operation_phases"
    class OperationEvent(OperationEventMixin, Base): __tablename__ = "operation_events"

and hands them to the engine as `OperationTables`. The partial unique index (one queued or running
operation per cluster) comes with the mixin, so every service's table enforces it the same way on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime

OPERATION_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE = ("queued", "running")
TERMINAL = ("succeeded", "failed", "cancelled")
PHASE_STATUSES = ("pending", "running", "succeeded", "failed", "cancelled")


class OperationMixin(IdMixin, TimestampMixin):
    # The class names of the service's phase table (for the relationship).
    __phase_class__: ClassVar[str] = "OperationPhase"

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        # One operation per cluster at a time: a second one collides here, on SQLite and PostgreSQL alike.
        active = text("status IN ('queued', 'running')")
        name = f"uq_{cls.__tablename__}_one_active_per_cluster"  # type: ignore[attr-defined]
        return (Index(name, "cluster_id", unique=True, sqlite_where=active, postgresql_where=active),)

    project_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_by: Mapped[str] = mapped_column(String(255), default="")
    # What the executors need to run it (nodes, extra-vars, a step's parameters): the kind's business.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(128), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The last counter stored; events above it may still be in the stream only (see the worker).
    last_counter: Mapped[int] = mapped_column(Integer, default=0)
    failure: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)

    @declared_attr
    def phases(cls) -> Mapped[list[Any]]:
        phase = cls.__phase_class__
        return relationship(phase, order_by=f"{phase}.position", cascade="all, delete-orphan", lazy="selectin")


class _OfOperation:
    __operation_table__: ClassVar[str] = "operations"

    @declared_attr
    def operation_id(cls) -> Mapped[str]:
        return mapped_column(ForeignKey(f"{cls.__operation_table__}.id", ondelete="CASCADE"), primary_key=True)


class OperationPhaseMixin(_OfOperation):
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Which executor runs the phase (ansible, terraform, python) and what it runs there (a playbook,
    # a module directory, a step's name): stored, so an operation runs what it was planned with.
    executor: Mapped[str] = mapped_column(String(32), default="ansible", server_default="ansible")
    target: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    runs: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    message: Mapped[str] = mapped_column(Text, default="")


class OperationEventMixin(_OfOperation):
    counter: Mapped[int] = mapped_column(Integer, primary_key=True)
    phase: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16))
    host: Mapped[str | None] = mapped_column(String(255), default=None)
    task: Mapped[str | None] = mapped_column(String(512), default=None)
    changed: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    excerpt: Mapped[str] = mapped_column(Text, default="")
    time: Mapped[datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class OperationTables:
    """A service's three operation classes, as the engine's repository and worker use them."""

    operation: type[Any]
    phase: type[Any]
    event: type[Any]
