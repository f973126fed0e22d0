"""The observability service served for real: uvicorn, NATS JetStream, SQLite or PostgreSQL; robot receivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from ko_common.db import Database
from tests.fakes.robots import RobotReceiver
from tests.observability.health import DeploymentForHealth, deployment_service, observability_database
from tests.observability.support import Observability, serve, settings_for
from tests.support.procs import NatsServer


@pytest.fixture
def observability(
    tmp_path: Path, database_url: str, nats_server: NatsServer, request: pytest.FixtureRequest
) -> Iterator[Observability]:
    settings = settings_for(tmp_path, database_url, nats_server.url)
    pg = request.getfixturevalue("postgres") if database_url.startswith("postgresql") else None
    with serve(settings, pg) as obs:
        yield obs


@pytest.fixture
def dingtalk() -> Iterator[RobotReceiver]:
    robot = RobotReceiver("dingtalk", secret="SEC0123456789abcdef-only-in-tests")
    yield robot
    robot.close()


@pytest.fixture
def wecom() -> Iterator[RobotReceiver]:
    robot = RobotReceiver("wecom")
    yield robot
    robot.close()


@pytest.fixture
def webhook() -> Iterator[RobotReceiver]:
    robot = RobotReceiver("webhook", secret="hook-secret-only-in-tests")
    yield robot
    robot.close()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, nats_server: NatsServer) -> Iterator[DeploymentForHealth]:
    """The real deployment service handing out the seeded clusters' kubeconfigs (health and events tests)."""
    with deployment_service(tmp_path_factory.mktemp("deployment"), nats_server.url) as d:
        yield d


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """The observability database, migrated (one engine: a test's second replica makes its own)."""
    database = await observability_database(database_url)
    yield database
    await database.dispose()
