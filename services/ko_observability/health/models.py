"""The cluster_health table: one row per cluster the deployment service announced, with its last verdict
and the lease of the replica that checks it now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import UTCDateTime, utcnow
from ko_observability.models import Base

STATES = ("unknown", "healthy", "degraded", "unreachable")
# The deployment's statuses in which a cluster serves (its deployment's node health polls the same).
POLLED = ("running", "scaling", "upgrading")


class ClusterHealth(Base):
    __tablename__ = "cluster_health"
    __table_args__ = (
        CheckConstraint(f"state IN {STATES}", name="state"),
        Index("ix_cluster_health_project_id", "project_id"),
        Index("ix_cluster_health_due_at", "due_at"),
    )

    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    cluster_status: Mapped[str] = mapped_column(String(16))  # the deployment's status, from its events
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)  # time of the newest event applied
    state: Mapped[str] = mapped_column(String(16), default="unknown")
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of sentences
    findings: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of {code, subject, message}
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    latency_ms: Mapped[float | None] = mapped_column(Float, default=None)
    nodes_ready: Mapped[int | None] = mapped_column(Integer, default=None)
    nodes_total: Mapped[int | None] = mapped_column(Integer, default=None)
    # Facts from other services' events (health/facts.py), each with the time of the event that set it.
    certificates_expire_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    certificates_soonest: Mapped[str | None] = mapped_column(String(512), default=None)
    certificates_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_backup_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # the last good one
    last_backup_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    backup_schedule_since: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)  # None: no schedule
    backup_schedule_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # next check
    # A claim by one poller while it checks the cluster; an expired lease (a dead replica) is claimable again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    leased_by: Mapped[str | None] = mapped_column(String(64), default=None)
