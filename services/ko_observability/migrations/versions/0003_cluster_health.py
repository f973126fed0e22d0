"""cluster health: the known clusters, their verdicts and the pollers' leases

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from ko_common.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cluster_health",
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("cluster_status", sa.String(16), nullable=False),
        sa.Column("announced_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
        sa.Column("unreachable_since", UTCDateTime(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("nodes_ready", sa.Integer(), nullable=True),
        sa.Column("nodes_total", sa.Integer(), nullable=True),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("leased_by", sa.String(64), nullable=True),
        sa.CheckConstraint(
            "state IN ('unknown', 'healthy', 'degraded', 'unreachable')", name=op.f("ck_cluster_health_state")
        ),
        sa.PrimaryKeyConstraint("cluster_id", name=op.f("pk_cluster_health")),
    )
    op.create_index("ix_cluster_health_project_id", "cluster_health", ["project_id"])
    op.create_index("ix_cluster_health_due_at", "cluster_health", ["due_at"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
