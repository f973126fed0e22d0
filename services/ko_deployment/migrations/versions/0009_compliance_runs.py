"""compliance runs of clusters (node checks and Sonobuoy results) and the JUnit file of a Sonobuoy run

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import ko_common.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_runs",
        sa.Column("cluster_id", sa.String(length=36), nullable=False),
        sa.Column("project_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("message", sa.String(length=1024), nullable=False),
        sa.Column("operation_id", sa.String(length=36), nullable=True),
        sa.Column("started_at", ko_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", ko_common.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("passed", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("warned", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ko_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('node-check', 'sonobuoy')", name=op.f("ck_compliance_runs_kind")),
        sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name=op.f("ck_compliance_runs_status")),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_compliance_runs_cluster_id_clusters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_runs")),
    )
    with op.batch_alter_table("compliance_runs", schema=None) as batch_op:
        batch_op.create_index("ix_compliance_runs_cluster_id_created_at", ["cluster_id", "created_at"], unique=False)
    op.create_table(
        "compliance_junit",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["compliance_runs.id"],
            name=op.f("fk_compliance_junit_run_id_compliance_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_compliance_junit")),
    )


def downgrade() -> None:
    op.drop_table("compliance_junit")
    op.drop_table("compliance_runs")
