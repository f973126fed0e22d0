"""Compliance runs and the JUnit file of a Sonobuoy run (kept apart: lists never load it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime
from ko_deployment.models import Base

KINDS = ("node-check", "sonobuoy")
STATUSES = ("running", "succeeded", "failed")


class ComplianceRun(IdMixin, TimestampMixin, Base):
    __tablename__ = "compliance_runs"
    __table_args__ = (
        CheckConstraint("kind IN ('" + "', '".join(KINDS) + "')", name="kind"),
        CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status"),
        Index("ix_compliance_runs_cluster_id_created_at", "cluster_id", "created_at"),
    )

    # The runs go with their cluster (forgotten after its reset).
    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str] = mapped_column(String(1024), default="")
    # The compliance-check operation of a node check; null for an uploaded Sonobuoy run.
    operation_id: Mapped[str | None] = mapped_column(String(36), default=None)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    warned: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # Every item as schemas.ComplianceItem dumps it (node check: benchmark items per node; Sonobuoy: tests).
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(255), default="")


class ComplianceJunit(Base):
    __tablename__ = "compliance_junit"

    run_id: Mapped[str] = mapped_column(ForeignKey("compliance_runs.id", ondelete="CASCADE"), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
