"""Alembic migrations per service, applied at start-up.

Each service keeps ``migrations/`` (``env.py`` calls :func:`run_env`) beside its
models. On PostgreSQL the service's schema is created first and an advisory
lock keeps replicas that start together from migrating twice.
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection

from ko_common.db import Database


def alembic_config(migrations_dir: Path, url: str, schema: str | None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["schema"] = schema
    return cfg


async def upgrade(db: Database, migrations_dir: Path, revision: str = "head") -> None:
    await db.prepare()
    cfg = alembic_config(migrations_dir, db.url, db.schema)

    def _run(conn: Connection) -> None:
        if db.schema:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(db.schema.encode())})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(_run)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's ``migrations/env.py``: online mode on the shared connection."""
    cfg = context.config
    connection: Connection | None = cfg.attributes.get("connection")
    schema = cfg.attributes.get("schema")
    opts: dict[str, Any] = {
        "target_metadata": target_metadata,
        "render_as_batch": True,
        "compare_type": True,
    }
    if schema:
        opts["version_table_schema"] = schema
    if connection is None:
        raise RuntimeError("migrations run at service start-up (or via ko_common.migrations), not from the alembic CLI")
    context.configure(connection=connection, **opts)
    with context.begin_transaction():
        context.run_migrations()


def create_event_tables() -> None:
    """Migration step shared by every service's first revision: outbox and inbox."""
    import sqlalchemy as sa
    from alembic import op

    from ko_common.db import UTCDateTime

    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_events")),
    )


def _autogenerate(package: str, message: str, rev_id: str) -> None:
    """Write a new revision for ``package`` by diffing its models against a scratch SQLite at head."""
    import asyncio
    import importlib
    import tempfile

    mod = importlib.import_module(f"{package}.models")
    mig_dir = Path(importlib.import_module(package).__file__ or "").parent / "migrations"

    async def _go() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite+aiosqlite:///{tmp}/scratch.db", package)
            await upgrade(db, mig_dir)
            cfg = alembic_config(mig_dir, db.url, None)
            cfg.set_main_option("revision_environment", "true")

            def _rev(conn: Connection) -> None:
                cfg.attributes["connection"] = conn
                command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)

            async with db.engine.begin() as conn:
                await conn.run_sync(_rev)
            await db.dispose()

    _ = mod
    asyncio.run(_go())


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Autogenerate a migration revision for a service.")
    parser.add_argument("package", help="e.g. ko_gateway")
    parser.add_argument("-m", "--message", required=True)
    parser.add_argument("--rev-id", required=True, help="e.g. 0002")
    args = parser.parse_args()
    _autogenerate(args.package, args.message, args.rev_id)
