"""Tables of IP pools and their addresses (one row per address)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime
from ko_inventory.models import Base

STATUSES = ("free", "allocated", "in_use")


class IpPool(IdMixin, TimestampMixin, Base):
    __tablename__ = "ip_pools"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_ip_pools_project_id_name"),)

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(512), default="")
    subnet: Mapped[str] = mapped_column(String(18))
    gateway: Mapped[str] = mapped_column(String(15))
    dns: Mapped[list[str]] = mapped_column(JSON)
    ranges: Mapped[list[dict[str, str]]] = mapped_column(JSON)


class IpAddress(IdMixin, TimestampMixin, Base):
    """One address of a pool.

    ``status``: ``free``; ``allocated`` (handed out to ``owner``); ``in_use`` (found answering on the
    network when about to be handed out: something we do not manage holds it; never handed out until
    released). ``claim_id`` marks an allocation still probing its addresses: set when claimed, cleared
    when the allocation completes; a claim left by a crashed request expires (see ``ippools.service``).
    """

    __tablename__ = "ip_addresses"
    __table_args__ = (
        UniqueConstraint("pool_id", "ip", name="uq_ip_addresses_pool_id_ip"),
        CheckConstraint("status IN ('free', 'allocated', 'in_use')", name="status"),
        # Serves the allocator's "first free addresses of this pool in address order".
        Index("ix_ip_addresses_pool_id_status_value", "pool_id", "status", "value"),
    )

    # No cascade: a pool is deleted only after its addresses, and never while one is allocated.
    pool_id: Mapped[str] = mapped_column(String(36), ForeignKey("ip_pools.id"))
    ip: Mapped[str] = mapped_column(String(15))
    value: Mapped[int] = mapped_column(BigInteger)  # the address as a number: sorts 10.0.0.9 before 10.0.0.10
    status: Mapped[str] = mapped_column(String(16), default="free")
    owner: Mapped[str | None] = mapped_column(String(255), default=None)
    claim_id: Mapped[str | None] = mapped_column(String(36), default=None)
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
