"""A backup file (one etcd snapshot and the PKI beside it, in one account) and a restore from one.

A backup is `good` only once its snapshot and PKI objects are complete in the account and the
snapshot's checksum matched what the etcd member computed: a file that failed midway stays `failed`
(or `running` until its operation is seen to end) and is never offered for a restore.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ko_backup.models import Base
from ko_common.db import IdMixin, TimestampMixin, UTCDateTime

BACKUP_STATUSES = ("running", "good", "failed", "deleted")
RESTORE_STATUSES = ("running", "succeeded", "failed", "cancelled")


class Backup(IdMixin, TimestampMixin, Base):
    __tablename__ = "backups"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'good', 'failed', 'deleted')", name="status"),
        CheckConstraint("trigger IN ('manual', 'schedule')", name="trigger"),
    )

    project_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_name: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(36), index=True)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    status: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str] = mapped_column(String(1024), default="")
    operation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str] = mapped_column(String(128))
    object_key: Mapped[str] = mapped_column(String(512))
    pki_key: Mapped[str] = mapped_column(String(512))
    # Written when the snapshot's upload completed (what the account holds), checked against the receipt.
    uploaded_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    uploaded_size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    pki_uploaded: Mapped[bool] = mapped_column(default=False)
    # The receipt of the etcd member that took the snapshot.
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    revision: Mapped[int | None] = mapped_column(BigInteger, default=None)
    total_keys: Mapped[int | None] = mapped_column(BigInteger, default=None)
    etcd_hash: Mapped[int | None] = mapped_column(BigInteger, default=None)
    member: Mapped[str | None] = mapped_column(String(64), default=None)
    kubernetes_version: Mapped[str | None] = mapped_column(String(32), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Restore(IdMixin, TimestampMixin, Base):
    __tablename__ = "restores"
    __table_args__ = (CheckConstraint("status IN ('running', 'succeeded', 'failed', 'cancelled')", name="status"),)

    project_id: Mapped[str] = mapped_column(String(64), index=True)
    cluster_id: Mapped[str] = mapped_column(String(64), index=True)
    backup_id: Mapped[str] = mapped_column(String(36), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str] = mapped_column(String(1024), default="")
    operation_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str] = mapped_column(String(128))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
