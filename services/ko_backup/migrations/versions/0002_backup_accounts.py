"""backup accounts and the projects they are shared with

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from ko_common.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "backup_accounts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("directory", sa.String(1024), nullable=True),
        sa.Column("host", sa.String(255), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(255), nullable=True),
        sa.Column("host_key", sa.Text(), nullable=True),
        sa.Column("host_key_fingerprint", sa.String(100), nullable=True),
        sa.Column("password_enc", sa.Text(), nullable=True),
        sa.Column("private_key_enc", sa.Text(), nullable=True),
        sa.Column("endpoint", sa.String(1024), nullable=True),
        sa.Column("region", sa.String(64), nullable=True),
        sa.Column("bucket", sa.String(255), nullable=True),
        sa.Column("access_key", sa.String(255), nullable=True),
        sa.Column("secret_key_enc", sa.Text(), nullable=True),
        sa.Column("path_style", sa.Boolean(), nullable=True),
        sa.Column("verify_tls", sa.Boolean(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backup_accounts")),
        sa.UniqueConstraint("name", name=op.f("uq_backup_accounts_name")),
        sa.CheckConstraint("kind IN ('local', 'sftp', 's3')", name=op.f("ck_backup_accounts_kind")),
    )
    op.create_table(
        "backup_account_projects",
        sa.Column("account_id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["backup_accounts.id"],
            name=op.f("fk_backup_account_projects_account_id_backup_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "project_id", name=op.f("pk_backup_account_projects")),
    )
    op.create_index(
        op.f("ix_backup_account_projects_project_id"), "backup_account_projects", ["project_id"], unique=False
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
