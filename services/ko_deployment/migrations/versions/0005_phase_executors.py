"""phases name their executor (ansible, terraform, python) and its target (the shared engine)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operation_phases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("executor", sa.String(length=32), server_default="ansible", nullable=False))
        batch_op.alter_column("playbook", new_column_name="target", existing_type=sa.String(length=255))


def downgrade() -> None:
    with op.batch_alter_table("operation_phases", schema=None) as batch_op:
        batch_op.alter_column("target", new_column_name="playbook", existing_type=sa.String(length=255))
        batch_op.drop_column("executor")
