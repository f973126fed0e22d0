"""health facts: findings with codes, the certificates' soonest expiry and the backups of each cluster

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from ko_common.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_DATES = (
    "certificates_expire_at", "certificates_checked_at", "last_backup_at", "last_backup_failed_at",
    "backup_schedule_since", "backup_schedule_at",
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("cluster_health") as batch:
        batch.add_column(sa.Column("findings", sa.Text(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("certificates_soonest", sa.String(512), nullable=True))
        for name in _DATES:
            batch.add_column(sa.Column(name, UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cluster_health") as batch:
        for name in ("findings", "certificates_soonest", *_DATES):
            batch.drop_column(name)
