"""Clusters and their nodes. The admin kubeconfig is stored only as a SecretBox ciphertext."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ko_common.db import IdMixin, TimestampMixin, UTCDateTime
from ko_deployment.models import Base

STATUSES = ("waiting", "deploying", "running", "failed", "upgrading", "scaling", "terminating", "lost")
ROLES = ("master", "worker")


class Cluster(IdMixin, TimestampMixin, Base):
    __tablename__ = "clusters"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_clusters_project_id_name"),
        CheckConstraint("status IN ('" + "', '".join(STATUSES) + "')", name="status"),
    )

    project_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(32))
    arch: Mapped[str] = mapped_column(String(16), default="amd64")
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    status_message: Mapped[str] = mapped_column(String(1024), default="")
    # The Day-0 spec as validated (topology, network, load balancer, ingress, storage, add-ons).
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    current_operation_id: Mapped[str | None] = mapped_column(String(36), default=None)
    kubeconfig_enc: Mapped[str | None] = mapped_column(Text, default=None)
    # The certificates of every node as the last check-certificates or renew read them (no keys).
    certificates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, default=None)
    certificates_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_by: Mapped[str] = mapped_column(String(255), default="")

    nodes: Mapped[list[ClusterNode]] = relationship(
        order_by="ClusterNode.position", cascade="all, delete-orphan", lazy="selectin"
    )


class ClusterNode(Base):
    __tablename__ = "cluster_nodes"
    __table_args__ = (
        UniqueConstraint("host_id", name="uq_cluster_nodes_host_id"),  # a host is in one cluster at most
        CheckConstraint("role IN ('master', 'worker')", name="role"),
    )

    cluster_id: Mapped[str] = mapped_column(ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(45))
    role: Mapped[str] = mapped_column(String(16))
    # pending, joining, ready, not-ready (NotReady longer than KO_NODE_NOT_READY_SECONDS), removing, rebuilding
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Since when the node health check has seen it not Ready (null: Ready, or not checked).
    not_ready_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The kubelet version its API server reports (node health check): null until read.
    version: Mapped[str | None] = mapped_column(String(32), default=None)
