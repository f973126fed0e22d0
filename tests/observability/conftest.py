"""The observability service served for real: uvicorn, NATS JetStream, SQLite or PostgreSQL; robot receivers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.robots import RobotReceiver
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
