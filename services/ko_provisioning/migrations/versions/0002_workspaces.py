"""operations, workspaces, their VMs, Terraform states and state locks

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import ko_common.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operations",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("heartbeat_at", ko_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", ko_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", ko_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_counter", sa.Integer(), nullable=False),
        sa.Column("failure", sa.JSON(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
    )
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_operations_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_operations_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            "uq_operations_one_active_per_cluster",
            ["cluster_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('queued', 'running')"),
            postgresql_where=sa.text("status IN ('queued', 'running')"),
        )

    op.create_table(
        "terraform_state_locks",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("acquired_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_terraform_state_locks")),
    )
    op.create_table(
        "terraform_states",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=True),
        sa.Column("lineage", sa.String(length=64), nullable=True),
        sa.Column("data_enc", sa.Text(), nullable=False),
        sa.Column("saved_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terraform_states")),
    )
    with op.batch_alter_table("terraform_states", schema=None) as batch_op:
        batch_op.create_index("ix_terraform_states_key_version", ["key", "version"], unique=True)

    op.create_table(
        "workspaces",
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("region_id", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("worker_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=1000), nullable=False),
        sa.Column("operation_id", sa.String(length=36), nullable=True),
        sa.Column("ssh_public_key", sa.Text(), nullable=False),
        sa.Column("ssh_private_key_enc", sa.Text(), nullable=False),
        sa.Column("credential_id", sa.String(length=64), nullable=True),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('provisioning', 'ready', 'failed', 'destroying', 'destroyed')",
            name=op.f("ck_workspaces_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
        sa.UniqueConstraint("project_id", "name", name="uq_workspaces_project_name"),
    )
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workspaces_project_id"), ["project_id"], unique=False)

    op.create_table(
        "operation_events",
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("task", sa.String(length=512), nullable=True),
        sa.Column("changed", sa.Boolean(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.Column("time", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("operation_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_operation_events_operation_id_operations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("counter", "operation_id", name=op.f("pk_operation_events")),
    )
    op.create_table(
        "operation_phases",
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("executor", sa.String(length=32), server_default="ansible", nullable=False),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("started_at", ko_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", ko_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("operation_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_operation_phases_operation_id_operations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("position", "operation_id", name=op.f("pk_operation_phases")),
    )
    op.create_table(
        "workspace_vms",
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("zone_id", sa.String(length=64), nullable=False),
        sa.Column("zone_name", sa.String(length=64), nullable=False),
        sa.Column("pool_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("provider_id", sa.String(length=255), nullable=True),
        sa.Column("host_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('master', 'worker')", name=op.f("ck_workspace_vms_role")),
        sa.CheckConstraint(
            "status IN ('planned', 'created', 'registered', 'removing')", name=op.f("ck_workspace_vms_status")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workspace_vms_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspace_vms")),
        sa.UniqueConstraint("workspace_id", "name", name="uq_workspace_vms_name"),
    )
    with op.batch_alter_table("workspace_vms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workspace_vms_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
