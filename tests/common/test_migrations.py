"""Every service's migrations apply on SQLite and PostgreSQL, twice, and match its models."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from ko_common import migrations
from ko_common.db import Database

SERVICES = ["gateway", "inventory", "provisioning", "deployment", "observability", "backup"]


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_apply_twice_and_match_models(service: str, database_url: str) -> None:
    package = importlib.import_module(f"ko_{service}")
    models = importlib.import_module(f"ko_{service}.models")
    mig_dir = Path(package.__path__[0]) / "migrations"
    db = Database(database_url, service)
    try:
        await migrations.upgrade(db, mig_dir)
        await migrations.upgrade(db, mig_dir)  # idempotent: a restart changes nothing

        def _check(conn) -> tuple[list[object], list[str]]:  # type: ignore[no-untyped-def]
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, models.Base.metadata)
            return diff, inspect(conn).get_table_names()

        async with db.engine.connect() as conn:
            diff, tables = await conn.run_sync(_check)
        assert diff == [], f"models of {service} differ from its migrations: {diff}"
        assert {"outbox", "processed_events", "alembic_version"} <= set(tables)
        if db.schema:
            assert db.schema == service  # PostgreSQL: one schema per service
    finally:
        await db.dispose()
