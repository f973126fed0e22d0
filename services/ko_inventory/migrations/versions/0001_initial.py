"""initial: event outbox and inbox, credentials

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from ko_common.db import UTCDateTime
from ko_common.migrations import create_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.String(512), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("auth_type", sa.String(16), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=True),
        sa.Column("private_key_enc", sa.Text(), nullable=True),
        sa.Column("passphrase_enc", sa.Text(), nullable=True),
        sa.Column("key_fingerprint", sa.String(100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_credentials_project_id_name")),
        sa.CheckConstraint("auth_type IN ('password', 'private_key')", name=op.f("ck_credentials_auth_type")),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
