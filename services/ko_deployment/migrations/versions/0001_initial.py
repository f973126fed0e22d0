"""initial: event outbox and inbox

Revision ID: 0001
Revises:
"""

from ko_common.migrations import create_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_event_tables()


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
