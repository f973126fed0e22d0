"""alerts: alerts with their history, routes to channels, silences, notices waiting for their group, marks

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from ko_common.db import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

FIRING = sa.text("status = 'firing'")


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("cluster_name", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(512), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("silenced", sa.Boolean(), nullable=False),
        sa.Column("notified", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.CheckConstraint("status IN ('firing', 'resolved')", name=op.f("ck_alerts_status")),
        sa.CheckConstraint("severity IN ('info', 'warning', 'critical')", name=op.f("ck_alerts_severity")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(
        "uq_alerts_one_firing", "alerts", ["fingerprint"], unique=True, sqlite_where=FIRING, postgresql_where=FIRING
    )
    op.create_index("ix_alerts_project_started", "alerts", ["project_id", "started_at"])
    op.create_index("ix_alerts_cluster_status", "alerts", ["cluster_id", "status"])
    op.create_index("ix_alerts_status_resolved", "alerts", ["status", "resolved_at"])
    op.create_table(
        "alert_routes",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("channel_ids", sa.Text(), nullable=False),
        sa.Column("rules", sa.Text(), nullable=False),
        sa.Column("cluster_ids", sa.Text(), nullable=False),
        sa.Column("min_severity", sa.String(16), nullable=False),
        sa.Column("send_resolved", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "min_severity IN ('info', 'warning', 'critical')", name=op.f("ck_alert_routes_min_severity")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_routes")),
        sa.UniqueConstraint("project_id", "name", name="uq_alert_routes_project_id_name"),
    )
    op.create_table(
        "silences",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("cluster_id", sa.String(64), nullable=True),
        sa.Column("subject", sa.String(512), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("comment", sa.String(1024), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expired", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_silences")),
    )
    op.create_index("ix_silences_project_ends", "silences", ["project_id", "ends_at"])
    op.create_table(
        "alert_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("route_id", sa.String(36), nullable=False),
        sa.Column("alert_id", sa.String(36), nullable=False),
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('firing', 'resolved')", name=op.f("ck_alert_notices_kind")),
        sa.ForeignKeyConstraint(
            ["route_id"], ["alert_routes.id"], name=op.f("fk_alert_notices_route_id_alert_routes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_notices_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_notices")),
    )
    op.create_index("ix_alert_notices_group", "alert_notices", ["route_id", "cluster_id", "created_at"])
    op.create_table(
        "alert_marks",
        sa.Column("key", sa.String(700), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_alert_marks")),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
