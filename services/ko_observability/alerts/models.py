"""The alerts tables: alerts (one firing row per fingerprint; history kept), routes, silences, the notices
waiting for their group's message, and the per-source marks that order and serialise the sources' events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from ko_observability.models import Base

SEVERITIES = ("info", "warning", "critical")
_FIRING = text("status = 'firing'")


class Alert(IdMixin, Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('firing', 'resolved')", name="status"),
        CheckConstraint(f"severity IN {SEVERITIES}", name="severity"),
        # One firing row per fingerprint, on SQLite and PostgreSQL alike; resolved rows are the history.
        Index("uq_alerts_one_firing", "fingerprint", unique=True, sqlite_where=_FIRING, postgresql_where=_FIRING),
        Index("ix_alerts_project_started", "project_id", "started_at"),
        Index("ix_alerts_cluster_status", "cluster_id", "status"),
        Index("ix_alerts_status_resolved", "status", "resolved_at"),
    )

    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of rule, cluster and subject
    rule: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    cluster_id: Mapped[str] = mapped_column(String(64))
    cluster_name: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(512), default="")
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="firing")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    count: Mapped[int] = mapped_column(Integer, default=1)
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)
    # Its firing notices were made (or no route wanted it): a silence ending later sends nothing again.
    notified: Mapped[bool] = mapped_column(Boolean, default=False)


class AlertRoute(IdMixin, TimestampMixin, Base):
    __tablename__ = "alert_routes"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_alert_routes_project_id_name"),
        CheckConstraint(f"min_severity IN {SEVERITIES}", name="min_severity"),
    )

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    channel_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    rules: Mapped[str] = mapped_column(Text, default="[]")  # JSON list; empty: every rule
    cluster_ids: Mapped[str] = mapped_column(Text, default="[]")  # JSON list; empty: every cluster
    min_severity: Mapped[str] = mapped_column(String(16), default="info")
    send_resolved: Mapped[bool] = mapped_column(Boolean, default=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Silence(IdMixin, Base):
    __tablename__ = "silences"
    __table_args__ = (Index("ix_silences_project_ends", "project_id", "ends_at"),)

    project_id: Mapped[str] = mapped_column(String(64))
    rule: Mapped[str | None] = mapped_column(String(64), default=None)
    cluster_id: Mapped[str | None] = mapped_column(String(64), default=None)
    subject: Mapped[str | None] = mapped_column(String(512), default=None)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(String(1024), default="")
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expired: Mapped[bool] = mapped_column(Boolean, default=False)  # its end was applied and announced


class AlertNotice(Base):
    """An alert's firing or resolution waiting to go out with its group (route and cluster)."""

    __tablename__ = "alert_notices"
    __table_args__ = (
        CheckConstraint("kind IN ('firing', 'resolved')", name="kind"),
        Index("ix_alert_notices_group", "route_id", "cluster_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    route_id: Mapped[str] = mapped_column(String(36), ForeignKey("alert_routes.id", ondelete="CASCADE"))
    alert_id: Mapped[str] = mapped_column(String(36), ForeignKey("alerts.id", ondelete="CASCADE"))
    cluster_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertMark(Base):
    """The newest event applied per source key (a cluster's health, an operation kind on a cluster, a pod):
    older events change nothing, and locking the row serialises one source's events across replicas."""

    __tablename__ = "alert_marks"

    key: Mapped[str] = mapped_column(String(700), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
