"""The deployment service served for real (uvicorn, NATS JetStream, SQLite or PostgreSQL), and test packages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ko_common.identity import Identity
from ko_deployment.app import DeploymentSettings, create_app
from tests.support.offline_package import SMALL_DEBS, PackageUnavailable, build_test_package
from tests.support.procs import NatsServer
from tests.support.serve import identity_headers, served

IDENTITY_KEY = "d" * 32
ADMIN = Identity("u-admin", "admin", is_admin=True)
ALICE = Identity("u-alice", "alice", projects={"p1": "project-manager"})
API = "/api/v1"


@dataclass
class Deployment:
    base: str
    settings: DeploymentSettings
    client: httpx.Client

    def call(self, method: str, path: str, who: Identity | None = ADMIN, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if who is not None:
            headers |= identity_headers(who, IDENTITY_KEY.encode(), "deployment")
        return self.client.request(method, self.base + path, headers=headers, **kwargs)

    def wait_done(self, package_id: str, timeout: float = 60) -> dict[str, Any]:
        """The package once its import is over (ready or failed)."""
        deadline = time.monotonic() + timeout
        while True:
            r = self.call("GET", f"{API}/offline-packages/{package_id}")
            assert r.status_code == 200, r.text
            body: dict[str, Any] = r.json()
            if body["status"] != "importing":
                return body
            assert time.monotonic() < deadline, f"package {package_id} still importing after {timeout}s"
            time.sleep(0.05)

    def import_package(self, source: Path | str, **extra: Any) -> dict[str, Any]:
        r = self.call("POST", f"{API}/offline-packages", json={"source": str(source), **extra})
        assert r.status_code == 202, r.text
        assert r.json()["status"] == "importing"
        return self.wait_done(r.json()["id"])

    @property
    def repository(self) -> Path:
        return self.settings.repository_dir


def settings_for(data_dir: Path, database_url: str, nats_url: str) -> DeploymentSettings:
    return DeploymentSettings(
        data_dir=data_dir, database_url=database_url, nats_url=nats_url, identity_key=IDENTITY_KEY
    )  # type: ignore[call-arg]


@pytest.fixture
def deployment(tmp_path: Path, database_url: str, nats_server: NatsServer) -> Iterator[Deployment]:
    settings = settings_for(tmp_path / "data", database_url, nats_server.url)
    with served(create_app(settings)) as base, httpx.Client(timeout=30, trust_env=False) as client:
        # The port is known once served: the URL nodes are given must be this server's.
        settings.repository_url = f"{base}/repository"
        yield Deployment(base, settings, client)


def _built(**kwargs: Any) -> Path:
    try:
        return build_test_package(**kwargs)
    except PackageUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def small_package() -> Path:
    """Kubernetes 1.36.0 amd64 with the fakes and two small .debs (cached)."""
    return _built(debs=SMALL_DEBS)


@pytest.fixture(scope="session")
def full_package() -> Path:
    """Kubernetes 1.36.0 amd64 with the fakes and every .deb the lab's hosts need (cached)."""
    return _built()
