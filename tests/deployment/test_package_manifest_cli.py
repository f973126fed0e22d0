"""The manifest format's checks, and the command line: build a manifest, import a package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from ko_deployment.packages.manifest import ManifestError, parse_manifest
from tests.support.offline_package import copy_package, replace_file

GOOD: dict[str, Any] = {
    "apiVersion": "kubeoperator.io/package/v1",
    "kubernetesVersion": "1.36.0",
    "arch": "amd64",
    "components": {"containerd": "1.7.27"},
    "artifacts": [
        {"kind": "binary", "name": "kubeadm", "version": "1.36.0", "arch": "amd64", "path": "bin/kubeadm",
         "sha256": "a" * 64, "size": 1},
        {"kind": "deb", "name": "runc", "version": "1.1.5", "arch": "amd64", "path": "debs/runc_1.1.5_amd64.deb",
         "sha256": "B" * 64, "size": 2},
    ],
}  # fmt: skip


def problems(**changes: Any) -> str:
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    for where, value in changes.items():
        target = data
        *parents, last = where.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    with pytest.raises(ManifestError) as info:
        parse_manifest(yaml.safe_dump(data))
    return str(info.value)


def test_a_good_manifest_round_trips() -> None:
    manifest = parse_manifest(yaml.safe_dump(GOOD))
    assert manifest.artifacts[1].sha256 == "b" * 64  # normalised to lower case
    assert manifest.directory_name == "1.36.0-amd64"
    assert parse_manifest(manifest.to_yaml()) == manifest


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"apiVersion": "kubeoperator.io/package/v2"}, "apiVersion: 'kubeoperator.io/package/v2' is not supported"),
        ({"kubernetesVersion": "v1.36"}, "kubernetesVersion: must be a Kubernetes version"),
        ({"arch": "s390x"}, "arch:"),
        ({"artifacts__0__sha256": "abc"}, "artifacts[0].sha256: must be 64 hexadecimal characters"),
        ({"artifacts__0__path": "../bin/kubeadm"}, "artifacts[0].path: '../bin/kubeadm' must not contain '..'"),
        ({"artifacts__0__path": "/usr/bin/kubeadm"}, "artifacts[0].path: '/usr/bin/kubeadm' must be relative"),
        ({"artifacts__0__path": "bin/.hidden"}, "must not start with a dot"),
        ({"artifacts__1__path": "bin/runc.deb"}, "a deb must be a .deb file directly in debs/"),
        (
            {"artifacts__0__path": "debs/runc_1.1.5_amd64.deb"},
            "artifacts[1].path: 'debs/runc_1.1.5_amd64.deb' is also artifacts[0]",
        ),
        ({"artifacts__1__arch": "arm64"}, "artifacts[1].arch: arm64 in a package for amd64"),
        ({"artifacts__0__size": -1}, "artifacts[0].size"),
        ({"artifacts__0__colour": "red"}, "artifacts[0].colour: Extra inputs are not permitted"),
        ({"artifacts": []}, "artifacts: List should have at least 1 item"),
    ],
)
def test_a_bad_manifest_is_refused_by_field(changes: dict[str, Any], says: str) -> None:
    assert says in problems(**changes)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ko_deployment.packages", *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_the_cli_builds_a_manifest_and_imports_the_package(small_package: Path, tmp_path: Path) -> None:
    package = copy_package(small_package, tmp_path / "pkg")
    (package / "manifest.yaml").unlink()
    (tmp_path / "input.yaml").write_text(
        yaml.safe_dump({"components": {"runc": "1.1.5"}, "artifacts": {"bin/kubelet": {"version": "1.35.2"}}})
    )
    built = run_cli(
        "build", str(package), "--kubernetes-version", "1.35.2", "--arch", "amd64", "--component", "etcd=3.4.23",
        "--input", str(tmp_path / "input.yaml"), "--tarball", str(tmp_path / "pkg.tar.gz"),
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    manifest = parse_manifest((package / "manifest.yaml").read_text())
    assert (manifest.kubernetes_version, manifest.arch) == ("1.35.2", "amd64")
    assert manifest.components == {"runc": "1.1.5", "etcd": "3.4.23"}
    by_path = {a.path: a for a in manifest.artifacts}
    assert by_path["bin/kubelet"].version == "1.35.2" and by_path["bin/kubeadm"].version == "1.35.2"
    runc = next(a for a in manifest.artifacts if a.name == "runc")
    assert (runc.kind, runc.version, runc.arch) == ("deb", "1.1.5+ds1-1+deb12u1", "amd64")
    original_manifest = yaml.safe_load((small_package / "manifest.yaml").read_text())
    original = {a["path"]: a["sha256"] for a in original_manifest["artifacts"]}
    assert {p: a.sha256 for p, a in by_path.items()} == original

    env = {"KO_DATA_DIR": str(tmp_path / "data"), "KO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'd.db'}"}
    imported = run_cli("import", str(tmp_path / "pkg.tar.gz"), env=env)
    assert imported.returncode == 0, imported.stderr
    assert "ready: " in imported.stdout
    served = tmp_path / "data/repository/packages/1.35.2-amd64"
    assert (served / "bin/kubeadm").read_bytes() == (package / "bin/kubeadm").read_bytes()
    assert "Package: runc" in (served / "debs/Packages").read_text()

    again = run_cli("import", str(package), env=env)
    assert again.returncode == 1 and "already in the repository" in again.stderr
    replace_file(package / "bin/kubelet", b"not the kubelet")  # never written through a link into the cache
    replaced = run_cli("import", str(package), "--replace", env=env)
    assert replaced.returncode == 1
    assert "binary kubelet 1.35.2 (bin/kubelet): size is" in replaced.stderr
    assert (served / "bin/kubeadm").exists()  # the ready package stays when its replacement is refused


def test_build_refuses_a_file_outside_the_layout(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "kubeadm").write_text("x")
    out = run_cli("build", str(tmp_path / "pkg"), "--kubernetes-version", "1.36.0", "--arch", "amd64")
    assert out.returncode == 1 and "kubeadm: put each artifact under one of bin/" in out.stderr
