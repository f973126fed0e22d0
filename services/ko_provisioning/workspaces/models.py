"""Workspaces, their VMs, their Terraform states (encrypted, versioned) and the states' locks.

A workspace is what one plan-based cluster's machines are: the plan it was made from, the VMs (name,
role, zone, address from the zone's pool, the provider's id, the inventory host), the SSH key injected
into them (encrypted) and the inventory credential holding it. The Terraform state of its module is
stored here, sealed with the service's key, every saved version kept (the newest `STATE_VERSIONS`),
and locked by the operation applying it, so two runs never write one state.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime
from ko_provisioning.models import Base

WORKSPACE_STATUSES = ("provisioning", "ready", "failed", "destroying", "destroyed")
VM_STATUSES = ("planned", "created", "registered", "removing")
ROLES = ("master", "worker")


class Workspace(IdMixin, TimestampMixin, Base):
    __tablename__ = "workspaces"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_workspaces_project_name"),
        CheckConstraint("status IN ('provisioning', 'ready', 'failed', 'destroying', 'destroyed')", name="status"),
    )

    project_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[str] = mapped_column(String(64))
    region_id: Mapped[str] = mapped_column(String(64))
    provider: Mapped[str] = mapped_column(String(16))
    worker_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(1000), default="")
    operation_id: Mapped[str | None] = mapped_column(String(36), default=None)
    ssh_public_key: Mapped[str] = mapped_column(Text)
    ssh_private_key_enc: Mapped[str] = mapped_column(Text)
    credential_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set when the deployment service made it for a cluster planned from a plan (the same id): its VMs
    # then change only with the cluster.
    cluster_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str] = mapped_column(String(64))

    vms: Mapped[list[Vm]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", order_by="Vm.position", lazy="selectin"
    )


class Vm(IdMixin, TimestampMixin, Base):
    __tablename__ = "workspace_vms"
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_workspace_vms_name"),
        CheckConstraint("status IN ('planned', 'created', 'registered', 'removing')", name="status"),
        CheckConstraint("role IN ('master', 'worker')", name="role"),
    )

    workspace_id: Mapped[str] = mapped_column(String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(8))
    zone_id: Mapped[str] = mapped_column(String(64))
    zone_name: Mapped[str] = mapped_column(String(64))
    pool_id: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64), default=None)
    provider_id: Mapped[str | None] = mapped_column(String(255), default=None)
    host_id: Mapped[str | None] = mapped_column(String(64), default=None)
    status: Mapped[str] = mapped_column(String(16), default="planned")

    workspace: Mapped[Workspace] = relationship(back_populates="vms")


class TerraformState(IdMixin, Base):
    """One saved version of a state (`key`: the workspace id and module), sealed; the newest is current."""

    __tablename__ = "terraform_states"
    __table_args__ = (Index("ix_terraform_states_key_version", "key", "version", unique=True),)

    key: Mapped[str] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int | None] = mapped_column(Integer, default=None)
    lineage: Mapped[str | None] = mapped_column(String(64), default=None)
    data_enc: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StateLock(Base):
    """Who applies a state now (an operation id). Taken before Terraform runs, given back when it ends."""

    __tablename__ = "terraform_state_locks"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
