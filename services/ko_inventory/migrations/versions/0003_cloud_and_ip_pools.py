"""cloud and ip pools: regions, zones, plans (and their zones), IP pools and their addresses

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ko_common.db import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _common(table: str) -> list[sa.Column[object] | sa.Constraint]:
    """id, project and name (unique in the project), description, timestamps."""
    return [
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("description", sa.String(512), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("project_id", "name", name=f"uq_{table}_project_id_name"),
    ]


def upgrade() -> None:
    op.create_table(
        "ip_pools",
        *_common("ip_pools"),
        sa.Column("subnet", sa.String(18), nullable=False),
        sa.Column("gateway", sa.String(15), nullable=False),
        sa.Column("dns", sa.JSON(), nullable=False),
        sa.Column("ranges", sa.JSON(), nullable=False),
    )
    op.create_table(
        "ip_addresses",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("pool_id", sa.String(36), nullable=False),
        sa.Column("ip", sa.String(15), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(255), nullable=True),
        sa.Column("claim_id", sa.String(36), nullable=True),
        sa.Column("allocated_at", UTCDateTime(), nullable=True),
        sa.Column("checked_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_addresses")),
        sa.UniqueConstraint("pool_id", "ip", name="uq_ip_addresses_pool_id_ip"),
        sa.CheckConstraint("status IN ('free', 'allocated', 'in_use')", name=op.f("ck_ip_addresses_status")),
        sa.ForeignKeyConstraint(["pool_id"], ["ip_pools.id"], name=op.f("fk_ip_addresses_pool_id_ip_pools")),
    )
    op.create_index("ix_ip_addresses_pool_id_status_value", "ip_addresses", ["pool_id", "status", "value"])
    op.create_table(
        "regions",
        *_common("regions"),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("endpoint", sa.String(512), nullable=False),
        sa.Column("datacenter", sa.String(255), nullable=False),
        sa.Column("username", sa.String(255), nullable=False),
        sa.Column("password_enc", sa.Text(), nullable=False),
        sa.Column("project_name", sa.String(255), nullable=True),
        sa.Column("domain_name", sa.String(255), nullable=True),
        sa.Column("insecure_tls", sa.Boolean(), nullable=False),
        sa.CheckConstraint("provider IN ('vsphere', 'openstack')", name=op.f("ck_regions_provider")),
    )
    op.create_table(
        "zones",
        *_common("zones"),
        sa.Column("region_id", sa.String(36), nullable=False),
        sa.Column("ip_pool_id", sa.String(36), nullable=False),
        sa.Column("provider_settings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_zones_region_id_regions")),
        sa.ForeignKeyConstraint(["ip_pool_id"], ["ip_pools.id"], name=op.f("fk_zones_ip_pool_id_ip_pools")),
    )
    op.create_index(op.f("ix_zones_region_id"), "zones", ["region_id"])
    op.create_index(op.f("ix_zones_ip_pool_id"), "zones", ["ip_pool_id"])
    op.create_table(
        "plans",
        *_common("plans"),
        sa.Column("region_id", sa.String(36), nullable=False),
        sa.Column("topology", sa.String(8), nullable=False),
        sa.Column("worker_count", sa.Integer(), nullable=False),
        sa.Column("master_size", sa.JSON(), nullable=False),
        sa.Column("worker_size", sa.JSON(), nullable=False),
        sa.CheckConstraint("topology IN ('single', 'ha')", name=op.f("ck_plans_topology")),
        sa.ForeignKeyConstraint(["region_id"], ["regions.id"], name=op.f("fk_plans_region_id_regions")),
    )
    op.create_index(op.f("ix_plans_region_id"), "plans", ["region_id"])
    op.create_table(
        "plan_zones",
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("zone_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "position", name=op.f("pk_plan_zones")),
        sa.UniqueConstraint("plan_id", "zone_id", name="uq_plan_zones_plan_id_zone_id"),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_zones_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["zone_id"], ["zones.id"], name=op.f("fk_plan_zones_zone_id_zones")),
    )
    op.create_index(op.f("ix_plan_zones_zone_id"), "plan_zones", ["zone_id"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore a backup instead")
