"""The hosts table: connection details, the recorded SSH host key, the last check and its facts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime
from ko_inventory.models import Base

# ready: reachable, login and root work. The others name what failed at the last check.
STATUSES = ("ready", "unreachable", "auth_failed", "no_root", "host_key_changed", "error")


class Host(IdMixin, TimestampMixin, Base):
    __tablename__ = "hosts"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_hosts_project_id_name"),
        # One registration per address across projects: two projects deploying onto one machine is never wanted.
        UniqueConstraint("ip", "port", name="uq_hosts_ip_port"),
        CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status"),
        CheckConstraint("port BETWEEN 1 AND 65535", name="port"),
    )

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(45))
    port: Mapped[int] = mapped_column(Integer, default=22)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(24))
    status_message: Mapped[str] = mapped_column(String(1024), default="")
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    become: Mapped[str | None] = mapped_column(String(16), default=None)
    host_key: Mapped[str | None] = mapped_column(Text, default=None)
    host_key_fingerprint: Mapped[str | None] = mapped_column(String(100), default=None)
    # A different key presented later, kept until an administrator accepts it.
    pending_host_key: Mapped[str | None] = mapped_column(Text, default=None)
    pending_host_key_fingerprint: Mapped[str | None] = mapped_column(String(100), default=None)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    facts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set by the deployment service when the host joins a cluster; a host in a cluster cannot be deleted.
    cluster_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
