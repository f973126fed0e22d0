"""The whole product, started once per test session, on SQLite (the `make run` defaults)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.procs import NatsServer
from tests.support.stack import Stack, start_stack
from tests.system.helpers import World, make_world


@pytest.fixture(scope="session")
def stack(session_tmp: Path, nats_server: NatsServer) -> Iterator[Stack]:
    # IP allocations in these tests use loopback pools; no probing keeps them from ever reading "in use".
    s = start_stack(session_tmp / "stack", nats_server.url, extra_env={"KO_IP_PROBE_PORTS": "[]"})
    yield s
    s.stop()


@pytest.fixture(scope="session")
def admin(stack: Stack):  # type: ignore[no-untyped-def]
    return stack.login()


@pytest.fixture(scope="session")
def default_project(admin) -> str:  # type: ignore[no-untyped-def]
    items = admin.get("/api/v1/projects").json()["items"]
    return str(next(p["id"] for p in items if p["name"] == "default"))


@pytest.fixture(scope="session")
def world(stack: Stack, admin) -> World:  # type: ignore[no-untyped-def]
    """Projects A and B, a second admin, a project manager and a read-only member of A, an outsider."""
    return make_world(stack, admin)
