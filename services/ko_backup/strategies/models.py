"""A cluster's backup strategy: when its scheduled backups run, into which account, and how many stay.

`next_run_at` is the tick a scheduler may claim next: a replica claims it by moving it forward in one
conditional UPDATE (see repository.claim), so each tick is started by exactly one replica.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ko_backup.models import Base
from ko_common.db import TimestampMixin, UTCDateTime


class BackupStrategy(TimestampMixin, Base):
    __tablename__ = "backup_strategies"

    cluster_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    cron: Mapped[str] = mapped_column(String(128))
    keep_count: Mapped[int] = mapped_column(Integer)
    keep_days: Mapped[int | None] = mapped_column(Integer, default=None)
    enabled: Mapped[bool] = mapped_column(default=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_backup_id: Mapped[str | None] = mapped_column(String(36), default=None)
    last_error: Mapped[str] = mapped_column(String(1024), default="")
    updated_by: Mapped[str] = mapped_column(String(128))
