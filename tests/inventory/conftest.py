"""The inventory service served for real: uvicorn, NATS JetStream, SQLite or PostgreSQL."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ko_inventory.app import InventorySettings, create_app
from tests.inventory.support import IDENTITY_KEY, Inventory
from tests.support.procs import NatsServer
from tests.support.serve import served


@pytest.fixture
def inventory(
    tmp_path: Path, database_url: str, nats_server: NatsServer, request: pytest.FixtureRequest
) -> Iterator[Inventory]:
    settings = InventorySettings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        nats_url=nats_server.url,
        identity_key=IDENTITY_KEY,
        secret_key=base64.b64encode(os.urandom(32)).decode(),
    )
    pg = request.getfixturevalue("postgres") if database_url.startswith("postgresql") else None
    with served(create_app(settings)) as base, httpx.Client(timeout=30, trust_env=False) as client:
        yield Inventory(base, settings, database_url, pg, client)
