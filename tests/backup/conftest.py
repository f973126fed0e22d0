"""The backup service served for real (uvicorn, NATS, SQLite or PostgreSQL), and its storage servers."""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ko_backup.app import BackupSettings, create_app
from tests.backup.servers import SeaweedS3, Sshd, start_seaweedfs, start_sshd
from tests.backup.support import IDENTITY_KEY, Backup, ed25519_openssh, public_line
from tests.support.procs import NatsServer
from tests.support.serve import served


@pytest.fixture
def backup(
    tmp_path: Path, database_url: str, nats_server: NatsServer, request: pytest.FixtureRequest
) -> Iterator[Backup]:
    settings = BackupSettings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        nats_url=nats_server.url,
        identity_key=IDENTITY_KEY,
        secret_key=base64.b64encode(os.urandom(32)).decode(),
        storage_timeout_seconds=3,
    )
    pg = request.getfixturevalue("postgres") if database_url.startswith("postgresql") else None
    with served(create_app(settings)) as base, httpx.Client(timeout=60, trust_env=False) as client:
        yield Backup(base, settings, database_url, pg, client)


@pytest.fixture(scope="module")
def sftp_key() -> str:
    return ed25519_openssh()


@pytest.fixture(scope="module")
def sshd(sftp_key: str) -> Iterator[Sshd]:
    server = start_sshd(public_line(sftp_key))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    server = start_seaweedfs(tmp_path_factory.mktemp("seaweedfs"))
    server.create_bucket("backups")
    yield server
    server.stop()


@pytest.fixture
def unwritable(tmp_path: Path) -> Iterator[Path]:
    """A directory the service cannot write into. Root ignores modes, so as root it is made immutable."""
    path = tmp_path / "unwritable"
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        yield path
        path.chmod(0o755)
        return
    subprocess.run(["chattr", "+i", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
