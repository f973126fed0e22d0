"""The inventory service served for real: uvicorn, NATS JetStream, SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest

from ko_inventory.app import InventorySettings, create_app
from tests.inventory.support import IDENTITY_KEY, PROJECTS, Inventory, announce, wait_known
from tests.support.procs import NatsServer
from tests.support.serve import served


@pytest.fixture
def inventory(
    tmp_path: Path, database_url: str, nats_server: NatsServer, request: pytest.FixtureRequest
) -> Iterator[Inventory]:
    # @pytest.mark.inventory_settings(name=value, ...) changes settings for one test or module.
    marker = request.node.get_closest_marker("inventory_settings")
    # Regions here point at made-up clouds: the login check is on only where a test asks for it.
    settings = InventorySettings(
        **({"region_login_check": False} | (marker.kwargs if marker else {})),
        data_dir=tmp_path / "data",
        database_url=database_url,
        nats_url=nats_server.url,
        identity_key=IDENTITY_KEY,
        secret_key=base64.b64encode(os.urandom(32)).decode(),
    )
    pg = request.getfixturevalue("postgres") if database_url.startswith("postgresql") else None
    app = create_app(settings)
    # NATS serves the whole test session: each new database gets a durable consumer of its own; drop it after.
    durables = [consumer.durable for consumer in app.state.spec.consumers]
    try:
        with served(app) as base, httpx.Client(timeout=30, trust_env=False) as client:
            # The projects the test identities belong to, announced the way the gateway does.
            asyncio.run(announce(nats_server.url, "created", *PROJECTS))
            asyncio.run(wait_known(settings.resolved_database_url, PROJECTS))
            yield Inventory(base, settings, database_url, pg, client)
    finally:
        asyncio.run(_delete_consumers(nats_server.url, durables))


async def _delete_consumers(nats_url: str, durables: list[str]) -> None:
    nc = await nats.connect(nats_url)
    try:
        for durable in durables:
            await nc.jetstream().delete_consumer("KO_EVENTS", durable)
    finally:
        await nc.close()
