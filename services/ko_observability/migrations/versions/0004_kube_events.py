"""kubernetes events: the events of every watched cluster, and each cluster's watch position and lease

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from ko_common.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kube_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("uid", sa.String(64), nullable=False),
        sa.Column("resource_version", sa.String(32), nullable=False),
        sa.Column("namespace", sa.String(253), nullable=False),
        sa.Column("kind", sa.String(128), nullable=False),
        sa.Column("name", sa.String(253), nullable=False),
        sa.Column("reason", sa.String(128), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("published_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kube_events")),
        sa.UniqueConstraint("cluster_id", "uid", name="uq_kube_events_cluster_id_uid"),
    )
    op.create_index("ix_kube_events_cluster_id_last_seen", "kube_events", ["cluster_id", "last_seen"])
    op.create_index("ix_kube_events_project_id_last_seen", "kube_events", ["project_id", "last_seen"])
    op.create_table(
        "kube_event_watches",
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("resource_version", sa.String(32), nullable=True),
        sa.Column("relists", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("lease_until", UTCDateTime(), nullable=True),
        sa.Column("leased_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("cluster_id", name=op.f("pk_kube_event_watches")),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
