"""The same product on PostgreSQL (one database, a schema per service), as in production."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.support.procs import NatsServer, Postgres
from tests.support.stack import start_stack

pytestmark = pytest.mark.postgres


def test_whole_product_on_postgresql(session_tmp: Path, nats_server: NatsServer, postgres: Postgres) -> None:
    name = "ko_" + uuid.uuid4().hex[:8]
    postgres.psql(f"CREATE DATABASE {name}")
    stack = start_stack(session_tmp / "pg-stack", nats_server.url, {"KO_DATABASE_URL": postgres.url(name)})
    try:
        health = stack.client().get("/api/v1/health")
        assert health.status_code == 200, health.text
        admin = stack.login()
        project = admin.get("/api/v1/projects").json()["items"][0]["id"]
        secret = "Pg-Only-S3cret-" + uuid.uuid4().hex
        r = admin.post(
            "/api/v1/credentials",
            json={"project_id": project, "name": "pg", "username": "root", "auth_type": "password", "password": secret},
        )
        assert r.status_code == 201, r.text
        assert admin.get("/api/v1/credentials").json()["total"] == 1

        schemas = set(postgres.psql("SELECT schema_name FROM information_schema.schemata", name).split())
        assert {"gateway", "inventory", "provisioning", "deployment", "observability", "backup"} <= schemas
        rows = postgres.psql("SELECT row_to_json(c)::text FROM inventory.credentials c", name)
        assert "v1:" in rows and secret not in rows
        users = postgres.psql("SELECT password_hash FROM gateway.users", name)
        assert users.startswith("$argon2id$")
        assert postgres.psql("SELECT count(*) FROM inventory.outbox", name).strip() == "0"  # relayed
    finally:
        stack.stop()
