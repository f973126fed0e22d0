"""Operations, their phases and their task events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime
from ko_deployment.models import Base

OPERATION_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
ACTIVE = ("queued", "running")
TERMINAL_STATUSES = ("succeeded", "failed", "cancelled")
PHASE_STATUSES = ("pending", "running", "succeeded", "failed", "cancelled")


class Operation(IdMixin, TimestampMixin, Base):
    __tablename__ = "operations"
    __table_args__ = (
        # One operation per cluster at a time: a second one collides here, on SQLite and PostgreSQL alike.
        Index(
            "uq_operations_one_active_per_cluster",
            "cluster_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    project_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    created_by: Mapped[str] = mapped_column(String(255), default="")
    # What the worker needs to run it: the nodes (inventory host ids and roles) and the extra-vars.
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

    phases: Mapped[list[OperationPhase]] = relationship(
        order_by="OperationPhase.position", cascade="all, delete-orphan", lazy="selectin"
    )


class OperationPhase(Base):
    __tablename__ = "operation_phases"

    operation_id: Mapped[str] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    playbook: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    runs: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    message: Mapped[str] = mapped_column(Text, default="")


class OperationEvent(Base):
    __tablename__ = "operation_events"

    operation_id: Mapped[str] = mapped_column(ForeignKey("operations.id", ondelete="CASCADE"), primary_key=True)
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
