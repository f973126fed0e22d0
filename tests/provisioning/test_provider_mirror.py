"""The provisioning service's provider mirror, filled by sync_mirror from the real deployment service.

The deployment service serves an offline package holding the real vSphere provider 2.0.2
(tests/support/provider_package.py); the synced mirror is then what real `terraform init -plugin-dir`
reads to initialise terraform-modules/vsphere with no registry in reach.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ko_common.errors import Unavailable
from ko_provisioning.providers.mirror import MirrorRefused, sync_mirror
from tests.deployment.conftest import IDENTITY_KEY, Deployment
from tests.support.procs import NatsServer, free_port
from tests.support.provider_package import (
    VSPHERE_PATH,
    VSPHERE_PROVIDER,
    needs_vsphere_provider,
    provider_package,
    serve_deployment,
)

pytestmark = needs_vsphere_provider
MODULES = Path(__file__).resolve().parents[2] / "terraform-modules"
TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
IN_MIRROR = VSPHERE_PATH.removeprefix("terraform-providers/")
KEY = IDENTITY_KEY.encode()


@pytest.fixture
def deployment(tmp_path: Path, nats_server: NatsServer) -> Iterator[Deployment]:
    db = f"sqlite+aiosqlite:///{tmp_path / 'deployment.db'}"
    with serve_deployment(tmp_path / "data", db, nats_server.url) as d:
        package = d.import_package(provider_package(tmp_path / "pkg"))
        assert package["status"] == "ready", package["error"]
        yield d


def _served(d: Deployment) -> Path:
    return d.repository / "packages/1.36.0-amd64" / VSPHERE_PATH


def _sync(d: Deployment, mirror: Path, key: bytes = KEY) -> Path:
    return asyncio.run(sync_mirror(d.base, key, mirror))


def _terraform(cwd: Path, home: Path, *args: str) -> str:
    home.mkdir(exist_ok=True)
    (home / "empty.tfrc").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    # A proxy that answers nothing: a registry request would fail init instead of reaching out.
    dead = f"http://127.0.0.1:{free_port()}"
    env.update(TF_CLI_CONFIG_FILE=str(home / "empty.tfrc"), CHECKPOINT_DISABLE="1", HOME=str(home),
               HTTPS_PROXY=dead, HTTP_PROXY=dead, https_proxy=dead, http_proxy=dead, NO_PROXY="")  # fmt: skip
    proc = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=90)
    assert proc.returncode == 0, f"terraform {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.mark.skipif(not os.access(TERRAFORM, os.X_OK), reason=f"no terraform binary at {TERRAFORM}")
def test_the_mirror_gets_each_provider_once_and_terraform_initialises_from_it_offline(
    deployment: Deployment, tmp_path: Path
) -> None:
    d, mirror = deployment, tmp_path / "mirror"
    (mirror / "site").mkdir(parents=True)
    (mirror / "site" / "keep.txt").write_text("an operator's file")

    assert _sync(d, mirror) == mirror
    got = mirror / IN_MIRROR
    assert got.read_bytes() == VSPHERE_PROVIDER.read_bytes()
    assert got.stat().st_mode & 0o777 == 0o755
    assert (mirror / "site" / "keep.txt").read_text() == "an operator's file"  # nothing else touched
    assert not [p for p in mirror.rglob(".*")]  # no temporary file left

    # A second sync downloads nothing: it succeeds with the served file gone, and the file is the same one.
    inode = got.stat().st_ino
    _served(d).rename(tmp_path / "away")
    _sync(d, mirror)
    assert got.stat().st_ino == inode

    # A file in the mirror with other bytes is replaced by the listed one.
    (tmp_path / "away").rename(_served(d))
    got.unlink()
    got.write_bytes(b"not the provider")
    _sync(d, mirror)
    assert hashlib.sha256(got.read_bytes()).digest() == hashlib.sha256(VSPHERE_PROVIDER.read_bytes()).digest()

    workdir = tmp_path / "vsphere"
    shutil.copytree(MODULES / "vsphere", workdir, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    home = tmp_path / "home"
    out = _terraform(workdir, home, "init", "-backend=false", "-input=false", f"-plugin-dir={mirror}")
    assert "Installing hashicorp/vsphere v2.0.2" in out, out
    assert "Success! The configuration is valid." in _terraform(workdir, home, "validate")


def test_a_damaged_file_on_the_server_is_refused_naming_both_sums_and_nothing_is_left(
    deployment: Deployment, tmp_path: Path
) -> None:
    d, mirror = deployment, tmp_path / "mirror"
    listed = hashlib.sha256(VSPHERE_PROVIDER.read_bytes()).hexdigest()
    data = bytearray(_served(d).read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: only the checksum tells
    _served(d).write_bytes(bytes(data))
    damaged = hashlib.sha256(data).hexdigest()

    with pytest.raises(MirrorRefused) as refused:
        _sync(d, mirror)
    message = str(refused.value)
    assert "Terraform provider registry.terraform.io/hashicorp/vsphere 2.0.2 (linux_amd64)" in message, message
    assert f"sha256 {damaged}" in message and f"the listing says sha256 {listed}" in message, message
    assert [p for p in mirror.rglob("*") if not p.is_dir()] == []


def test_the_listing_needs_the_shared_key_and_a_reachable_service(deployment: Deployment, tmp_path: Path) -> None:
    with pytest.raises(MirrorRefused, match="refused the provider listing \\(401"):
        _sync(deployment, tmp_path / "mirror", key=b"x" * 32)
    with pytest.raises(Unavailable, match="not reachable"):
        asyncio.run(sync_mirror(f"http://127.0.0.1:{free_port()}", KEY, tmp_path / "mirror"))
    assert [p for p in (tmp_path / "mirror").rglob("*") if not p.is_dir()] == []
