"""Fixtures with real parts: a nats-server and a PostgreSQL cluster started by the tests."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import kube_control_plane as kcp
from tests.support.procs import NatsServer, Postgres, start_nats, start_postgres

# The `lab` fixture (real hosts, tests/lab/) for any test of the suite.
pytest_plugins = ["tests.lab.fixtures"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--no-lab", action="store_true", help="skip the slow lab tests")
    parser.addoption("--no-postgres", action="store_true", help="run database tests on SQLite only")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "kube: uses the real Kubernetes control plane (kube_control_plane; deselect with -m 'not kube')"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--no-lab"):
        skip = pytest.mark.skip(reason="--no-lab given")
        for item in items:
            if "lab" in item.keywords:
                item.add_marker(skip)
    for item in items:
        if "kube_control_plane" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kube)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after the short summary, above the counts
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """One loud line when tests went without the real control plane: skipped, or run on the fake."""
    yield
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if kcp.SKIP_PREFIX in str(r.longrepr)]
    if skipped or kcp.FELL_BACK:
        files = sorted({r.nodeid.split("::")[0] for r in skipped})
        parts = [f"{len(skipped)} test(s) skipped ({', '.join(files)})"] if skipped else []
        if kcp.FELL_BACK:
            parts.append(f"ran on the fake API server instead: {', '.join(kcp.FELL_BACK)}")
        try:
            reason = f"found {kcp.find_binaries().version} now"  # built while the run went on
        except kcp.Unavailable as exc:
            reason = str(exc)
        terminalreporter.write_line(f"REAL KUBERNETES MISSING: {'; '.join(parts)}: {reason}", red=True, bold=True)


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


@pytest.fixture(scope="session")
def kube_control_plane(session_tmp: Path) -> Iterator[kcp.KubeControlPlane]:
    """etcd, kube-apiserver and kube-controller-manager on loopback, one for the whole run, started by
    the first test that asks. Tests share it: each works in namespaces of its own and leaves no
    workload behind (tests/deployment/test_addons_apiserver.py checks the images of all of them)."""
    try:
        binaries = kcp.find_binaries()
    except kcp.Unavailable as exc:
        pytest.skip(f"{kcp.SKIP_PREFIX}: {exc}")
    plane = kcp.start(session_tmp, binaries)
    yield plane
    plane.stop()
