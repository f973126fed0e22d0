"""Fixtures with real parts: a nats-server and a PostgreSQL cluster started by the tests."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.procs import NatsServer, Postgres, start_nats, start_postgres

# The `lab` fixture (real hosts, tests/lab/) for any test of the suite.
pytest_plugins = ["tests.lab.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-lab", action="store_true", help="skip the slow lab tests")
    parser.addoption("--no-postgres", action="store_true", help="run database tests on SQLite only")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--no-lab"):
        skip = pytest.mark.skip(reason="--no-lab given")
        for item in items:
            if "lab" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def session_tmp() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="ko-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def nats_server(session_tmp: Path) -> Iterator[NatsServer]:
    server = start_nats(session_tmp / "nats")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres(session_tmp: Path, request: pytest.FixtureRequest) -> Iterator[Postgres]:
    if request.config.getoption("--no-postgres"):
        pytest.skip("--no-postgres given")
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL: SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    pg: Postgres = request.getfixturevalue("postgres")
    name = "t_" + uuid.uuid4().hex[:12]
    pg.psql(f"CREATE DATABASE {name}")
    return pg.url(name)
