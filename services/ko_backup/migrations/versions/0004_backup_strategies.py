"""backup strategies (one per cluster: cron, retention, account, the next tick to claim)

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
        "backup_strategies",
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("cron", sa.String(128), nullable=False),
        sa.Column("keep_count", sa.Integer(), nullable=False),
        sa.Column("keep_days", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", UTCDateTime(), nullable=False),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.Column("last_backup_id", sa.String(36), nullable=True),
        sa.Column("last_error", sa.String(1024), nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cluster_id", name=op.f("pk_backup_strategies")),
    )
    for column in ("project_id", "account_id", "next_run_at"):
        op.create_index(op.f(f"ix_backup_strategies_{column}"), "backup_strategies", [column], unique=False)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
