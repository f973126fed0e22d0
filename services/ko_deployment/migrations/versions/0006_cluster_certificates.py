"""clusters keep the certificates of their nodes as last checked

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

import ko_common.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("certificates", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("certificates_checked_at", ko_common.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_column("certificates_checked_at")
        batch_op.drop_column("certificates")
