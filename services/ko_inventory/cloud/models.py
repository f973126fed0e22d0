"""Tables of regions, zones and plans.

Foreign keys back up the service's own checks: a region, zone or IP pool still referenced
cannot be deleted even by a request that raced past the check (the service turns that into 409).
Provider-specific settings and sizes are JSON, validated against the region's provider on
every write, so the columns do not grow with each provider.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ko_common.db import IdMixin, TimestampMixin
from ko_inventory.models import Base


class Region(IdMixin, TimestampMixin, Base):
    """A vCenter (and one of its datacenters) or an OpenStack cloud (and one of its regions)."""

    __tablename__ = "regions"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_regions_project_id_name"),
        CheckConstraint("provider IN ('vsphere', 'openstack')", name="provider"),
    )

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(512), default="")
    provider: Mapped[str] = mapped_column(String(16))
    endpoint: Mapped[str] = mapped_column(String(512))
    datacenter: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(255))
    password_enc: Mapped[str] = mapped_column(Text)
    project_name: Mapped[str | None] = mapped_column(String(255), default=None)
    domain_name: Mapped[str | None] = mapped_column(String(255), default=None)
    insecure_tls: Mapped[bool] = mapped_column(Boolean, default=False)


class Zone(IdMixin, TimestampMixin, Base):
    """A failure domain inside a region, with the network its VMs take addresses from."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_zones_project_id_name"),)

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(512), default="")
    region_id: Mapped[str] = mapped_column(String(36), ForeignKey("regions.id"), index=True)
    ip_pool_id: Mapped[str] = mapped_column(String(36), ForeignKey("ip_pools.id"), index=True)
    provider_settings: Mapped[dict[str, Any]] = mapped_column(JSON)


class Plan(IdMixin, TimestampMixin, Base):
    """A cluster's shape: topology, worker count, VM sizes, and the zones its VMs are spread over."""

    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_plans_project_id_name"),
        CheckConstraint("topology IN ('single', 'ha')", name="topology"),
    )

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(512), default="")
    region_id: Mapped[str] = mapped_column(String(36), ForeignKey("regions.id"), index=True)
    topology: Mapped[str] = mapped_column(String(8))
    worker_count: Mapped[int] = mapped_column(Integer)
    master_size: Mapped[dict[str, Any]] = mapped_column(JSON)
    worker_size: Mapped[dict[str, Any]] = mapped_column(JSON)


class PlanZone(Base):
    """The zones of a plan, in the order the caller gave them: placement goes round-robin in it."""

    __tablename__ = "plan_zones"
    __table_args__ = (UniqueConstraint("plan_id", "zone_id", name="uq_plan_zones_plan_id_zone_id"),)

    plan_id: Mapped[str] = mapped_column(String(36), ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    zone_id: Mapped[str] = mapped_column(String(36), ForeignKey("zones.id"), index=True)
