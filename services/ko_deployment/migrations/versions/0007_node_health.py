"""cluster nodes remember since when they are not Ready (the node health check)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import ko_common.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cluster_nodes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("not_ready_since", ko_common.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cluster_nodes", schema=None) as batch_op:
        batch_op.drop_column("not_ready_since")
