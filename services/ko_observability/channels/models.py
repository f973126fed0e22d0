"""The channels and deliveries tables: a channel's secrets are stored only as one SecretBox ciphertext."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from ko_observability.models import Base

KINDS = ("dingtalk", "wecom", "email", "webhook")
STATUSES = ("pending", "delivered", "failed")


class NotificationChannel(IdMixin, TimestampMixin, Base):
    __tablename__ = "notification_channels"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_notification_channels_project_id_name"),
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("language IN ('zh', 'en')", name="language"),
    )

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(512), default="")
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2), default="zh")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: the kind's default (DingTalk allows 20 messages a minute).
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer, default=None)
    config: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the settings that are not secret
    masked: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what the API shows of each secret
    secrets_enc: Mapped[str] = mapped_column(Text)  # SecretBox(JSON of the secret settings)


class Delivery(IdMixin, Base):
    """One message to one channel: stored pending before the first attempt, so a crash loses nothing."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        Index("ix_notification_deliveries_channel_created", "channel_id", "created_at"),
        Index("ix_notification_deliveries_status_next", "status", "next_attempt_at"),
    )

    channel_id: Mapped[str] = mapped_column(String(36), ForeignKey("notification_channels.id", ondelete="CASCADE"))
    project_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(255))
    message: Mapped[str] = mapped_column(Text)  # JSON of the message dict the templates render
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # A claim by one dispatcher while it sends; an expired lease (a crashed process) is claimable again.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Messages merged into one send (over the rate limit) share a batch id.
    batch_id: Mapped[str | None] = mapped_column(String(36), default=None)
    batch_size: Mapped[int] = mapped_column(Integer, default=1)
    answer_status: Mapped[int | None] = mapped_column(Integer, default=None)
    answer: Mapped[str] = mapped_column(Text, default="")
