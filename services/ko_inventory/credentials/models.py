"""The credentials table: secrets are stored only as SecretBox ciphertexts."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin
from ko_inventory.models import Base


class Credential(IdMixin, TimestampMixin, Base):
    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_credentials_project_id_name"),
        CheckConstraint("auth_type IN ('password', 'private_key')", name="auth_type"),
    )

    # No separate index: the unique (project_id, name) index serves project lookups.
    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(512), default="")
    username: Mapped[str] = mapped_column(String(255))
    auth_type: Mapped[str] = mapped_column(String(16))
    password_enc: Mapped[str | None] = mapped_column(Text, default=None)
    private_key_enc: Mapped[str | None] = mapped_column(Text, default=None)
    passphrase_enc: Mapped[str | None] = mapped_column(Text, default=None)
    key_fingerprint: Mapped[str | None] = mapped_column(String(100), default=None)
