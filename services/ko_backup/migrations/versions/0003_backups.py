"""backups (etcd snapshots with their PKI) and restores

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
        "backups",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("cluster_name", sa.String(64), nullable=False),
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.String(1024), nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("object_key", sa.String(512), nullable=False),
        sa.Column("pki_key", sa.String(512), nullable=False),
        sa.Column("uploaded_sha256", sa.String(64), nullable=True),
        sa.Column("uploaded_size", sa.BigInteger(), nullable=True),
        sa.Column("pki_uploaded", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("revision", sa.BigInteger(), nullable=True),
        sa.Column("total_keys", sa.BigInteger(), nullable=True),
        sa.Column("etcd_hash", sa.BigInteger(), nullable=True),
        sa.Column("member", sa.String(64), nullable=True),
        sa.Column("kubernetes_version", sa.String(32), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backups")),
        sa.CheckConstraint("status IN ('running', 'good', 'failed', 'deleted')", name=op.f("ck_backups_status")),
        sa.CheckConstraint("trigger IN ('manual', 'schedule')", name=op.f("ck_backups_trigger")),
    )
    for column in ("project_id", "cluster_id", "account_id"):
        op.create_index(op.f(f"ix_backups_{column}"), "backups", [column], unique=False)
    op.create_table(
        "restores",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("cluster_id", sa.String(64), nullable=False),
        sa.Column("backup_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.String(1024), nullable=False),
        sa.Column("operation_id", sa.String(64), nullable=True),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restores")),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed', 'cancelled')", name=op.f("ck_restores_status")
        ),
    )
    for column in ("project_id", "cluster_id", "backup_id"):
        op.create_index(op.f(f"ix_restores_{column}"), "restores", [column], unique=False)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
