"""The offline_packages table: one row per import, with the manifest it was verified against."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime
from ko_deployment.models import Base

STATUSES = ("importing", "ready", "failed")


class OfflinePackage(IdMixin, TimestampMixin, Base):
    __tablename__ = "offline_packages"
    __table_args__ = (
        CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status"),
        # Not unique: failed imports of a version stay as records; the service allows one ready or importing.
        Index("ix_offline_packages_version_arch", "version", "arch"),
    )

    version: Mapped[str] = mapped_column(String(64))
    arch: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text, default=None)
    # Where the administrator's files were on the server (not a secret; kept to say what was imported).
    source: Mapped[str] = mapped_column(String(4096))
    replace_existing: Mapped[bool] = mapped_column(default=False)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    artifact_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(255), default="")
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
