"""Backup accounts and the projects each is shared with; secrets are stored only as SecretBox ciphertexts."""

from __future__ import annotations

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ko_backup.models import Base
from ko_common.db import IdMixin, TimestampMixin

KINDS = ("local", "sftp", "s3")


class BackupAccount(IdMixin, TimestampMixin, Base):
    """One row per account; the columns a kind does not use stay NULL."""

    __tablename__ = "backup_accounts"
    __table_args__ = (CheckConstraint("kind IN ('local', 'sftp', 's3')", name="kind"),)

    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(String(512), default="")
    kind: Mapped[str] = mapped_column(String(8))
    directory: Mapped[str | None] = mapped_column(String(1024), default=None)  # local, sftp
    host: Mapped[str | None] = mapped_column(String(255), default=None)  # sftp
    port: Mapped[int | None] = mapped_column(Integer, default=None)
    username: Mapped[str | None] = mapped_column(String(255), default=None)
    host_key: Mapped[str | None] = mapped_column(Text, default=None)
    host_key_fingerprint: Mapped[str | None] = mapped_column(String(100), default=None)
    password_enc: Mapped[str | None] = mapped_column(Text, default=None)
    private_key_enc: Mapped[str | None] = mapped_column(Text, default=None)
    endpoint: Mapped[str | None] = mapped_column(String(1024), default=None)  # s3
    region: Mapped[str | None] = mapped_column(String(64), default=None)
    bucket: Mapped[str | None] = mapped_column(String(255), default=None)
    access_key: Mapped[str | None] = mapped_column(String(255), default=None)
    secret_key_enc: Mapped[str | None] = mapped_column(Text, default=None)
    path_style: Mapped[bool | None] = mapped_column(Boolean, default=None)
    verify_tls: Mapped[bool | None] = mapped_column(Boolean, default=None)


class BackupAccountProject(Base):
    """An account shared with a project: that project's members may list it and back up to it."""

    __tablename__ = "backup_account_projects"

    account_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("backup_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
