"""The kube_events table (one row per Kubernetes Event object of a cluster, updated in place as its
count grows) and kube_event_watches (per cluster: where its watch resumes, and which replica holds it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import UTCDateTime, utcnow
from ko_observability.models import Base

TYPES = ("Normal", "Warning")
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64 bits (a busy cluster's years).
EventId = BigInteger().with_variant(Integer(), "sqlite")


class KubeEvent(Base):
    __tablename__ = "kube_events"
    __table_args__ = (
        UniqueConstraint("cluster_id", "uid", name="uq_kube_events_cluster_id_uid"),
        Index("ix_kube_events_cluster_id_last_seen", "cluster_id", "last_seen"),
        Index("ix_kube_events_project_id_last_seen", "project_id", "last_seen"),
    )

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    cluster_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    uid: Mapped[str] = mapped_column(String(64))  # the Event object's metadata.uid
    resource_version: Mapped[str] = mapped_column(String(32))  # of the version stored: unchanged = nothing new
    namespace: Mapped[str] = mapped_column(String(253), default="")
    kind: Mapped[str] = mapped_column(String(128), default="")  # of the involved object
    name: Mapped[str] = mapped_column(String(253), default="")  # of the involved object
    reason: Mapped[str] = mapped_column(String(128), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16), default="Normal")  # Normal, Warning, or what a writer chose
    count: Mapped[int] = mapped_column(Integer, default=1)
    source: Mapped[str] = mapped_column(String(255), default="")  # reporting component (and host)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    # The count last published as a warning event: a warning goes out again only when the count grows.
    published_count: Mapped[int] = mapped_column(Integer, default=0)


class KubeEventWatch(Base):
    __tablename__ = "kube_event_watches"
    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Where the next watch starts; None: list first. Stored with the events it follows, in one transaction.
    resource_version: Mapped[str | None] = mapped_column(String(32), default=None)
    relists: Mapped[int] = mapped_column(Integer, default=0)  # lists after the first (410 Gone, ...)
    last_error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The replica that watches the cluster now, renewed while it watches; a lapsed lease is claimable.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    leased_by: Mapped[str | None] = mapped_column(String(64), default=None)
