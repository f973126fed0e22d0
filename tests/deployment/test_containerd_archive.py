"""containerd 2 as upstream's release archive: the default versions file, the builder, the role, the real package.

Without a lab: the bundled versions file pins containerd >= 2.0 and runc as upstream files; the builder
takes an archive from a local source, verifies it (sha256, and the members the nodes take) and records it
as the binary artifact ``containerd``, which the import accepts; the containerd role's archive tasks
install it (against a local HTTP server, into a temporary directory) and change nothing the second time;
the real test package's choice of containerd (KO_REAL_CONTAINERD).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from ko_deployment.packages.__main__ import main
from ko_deployment.packages.assemble import ARCHIVE_MEMBERS
from ko_deployment.packages.manifest import parse_manifest
from ko_deployment.packages.requirements import meets
from ko_deployment.packages.source import read_manifest
from ko_deployment.packages.store import stage_and_install
from ko_deployment.packages.versions import API_VERSION, load_versions, plan, resolve_path
from tests.deployment.test_containerd_config import ROLE, _recap, _run
from tests.deployment.test_package_fetch import Served, make_deb
from tests.support import real_package

SHIM = b"#!/bin/sh\necho shim\n"


def _binary(version: str) -> bytes:
    return f"#!/bin/sh\necho containerd github.com/containerd/containerd/v2 v{version} 0123abcd\n".encode()


def _archive(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _upstream(version: str = "2.3.4") -> dict[str, bytes]:
    return {"bin/containerd": _binary(version), "bin/containerd-shim-runc-v2": SHIM, "bin/ctr": b"#!/bin/sh\n",
            "bin/containerd-stress": b"#!/bin/sh\n"}  # fmt: skip


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_the_default_versions_file_carries_containerd_2_and_runc_as_pinned_upstream_files(arch: str) -> None:
    planned = plan(load_versions(resolve_path("1.36.0")), resolve_path("1.36.0").parent, arch, [])
    assert "containerd" not in planned.package_components and "runc" not in planned.package_components
    assert meets(planned.components["containerd"], "2.0.0")
    files = {f.name: f for f in planned.files}
    containerd, runc = files["containerd"], files["runc"]
    version = planned.components["containerd"]
    assert containerd.path == f"bin/containerd-{version}-linux-{arch}.tar.gz"
    assert containerd.url == (
        f"https://github.com/containerd/containerd/releases/download/v{version}/containerd-{version}-linux-{arch}.tar.gz"
    )
    assert runc.path == "bin/runc" and runc.url is not None and runc.url.endswith(f"/runc.{arch}")
    assert containerd.sha256 and runc.sha256 and containerd.extract is None and runc.extract is None
    # The OS-package way stays documented in the file itself.
    assert "`containerd: {packages: [containerd]}`" in resolve_path("1.36.0").read_text()


def _versions(tmp_path: Path, archive: bytes, runc_deb: bool = True) -> Path:
    (tmp_path / "containerd.tar.gz").write_bytes(archive)
    data: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kubernetesVersion": "1.36.0",
        "arch": "amd64",
        "components": {
            "containerd": {"version": "2.3.4", "files": [
                {"path": "bin/containerd-{version}-linux-{arch}.tar.gz", "name": "containerd",
                 "file": "containerd.tar.gz", "sha256": hashlib.sha256(archive).hexdigest()}]},
            "runc": {"packages": ["runc"]},
        },
        "directories": [{"from": "debs", "into": "debs", "pattern": "*.deb"}],
    }  # fmt: skip
    (tmp_path / "debs").mkdir(exist_ok=True)
    make_deb(tmp_path / "debs", "runc", "1.1.5+ds1-1")
    path = tmp_path / "versions.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_containerd_archive_from_a_local_source_is_verified_recorded_and_imported(tmp_path: Path) -> None:
    archive = _archive(_upstream())
    out = tmp_path / "out" / "1.36.0-amd64"
    argv = ["build", "--versions", str(_versions(tmp_path, archive)), "--out", str(out), "--offline",
            "--cache", str(tmp_path / "cache"), "--tarball"]  # fmt: skip
    assert main(argv) == 0

    manifest = parse_manifest((out / "manifest.yaml").read_bytes())
    got = {a.path: (a.kind, a.name, a.version, a.sha256) for a in manifest.artifacts}
    assert got["bin/containerd-2.3.4-linux-amd64.tar.gz"] == (
        "binary", "containerd", "2.3.4", hashlib.sha256(archive).hexdigest()
    )  # fmt: skip
    assert got["debs/runc_1.1.5+ds1-1_amd64.deb"][:2] == ("deb", "runc")
    assert manifest.components == {"containerd": "2.3.4", "runc": "1.1.5"}

    tarball = out.with_name("1.36.0-amd64.tar.gz")
    imported_manifest, prefix = read_manifest(tarball)
    imported = stage_and_install(tmp_path / "repository", tarball, prefix, imported_manifest, "t", replace=False)
    assert (imported.path / "bin/containerd-2.3.4-linux-amd64.tar.gz").read_bytes() == archive


@pytest.mark.parametrize(
    ("archive", "said"),
    [
        (_archive({"bin/containerd": _binary("2.3.4"), "bin/ctr": b"x"}), "holds no bin/containerd-shim-runc-v2"),
        (_archive({"containerd": _binary("2.3.4"), "containerd-shim-runc-v2": SHIM, "ctr": b"x"}),
         "holds no bin/containerd, bin/containerd-shim-runc-v2, bin/ctr"),
        (b"not an archive", "is not a readable tar archive"),
    ],
)  # fmt: skip
def test_an_archive_without_what_the_nodes_take_refuses_the_build(
    tmp_path: Path, archive: bytes, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = ["build", "--versions", str(_versions(tmp_path, archive)), "--out", str(out), "--offline",
            "--cache", str(tmp_path / "cache")]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "components.containerd.files[0]: containerd-2.3.4-linux-amd64.tar.gz" in err and said in err, err
    assert not out.exists()
    assert ARCHIVE_MEMBERS["containerd"] == ("bin/containerd", "bin/containerd-shim-runc-v2", "bin/ctr")


def _archive_play(root: Path, url: str, binaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # A vars file after the role's defaults: it overrides them (play vars would not).
    overrides = root.parent / "node-vars.yml"
    overrides.write_text(yaml.safe_dump({
        "ko_state_dir": str(root / "state"),
        "containerd_binaries": binaries,
        "containerd_archive_bin_dir": str(root / "usr/local/bin"),
        "containerd_runc_path": str(root / "usr/local/sbin/runc"),
        "containerd_unit_path": str(root / "containerd.service"),
    }))  # fmt: skip
    return [{
        "name": "Archive | install",
        "hosts": "localhost",
        "connection": "local",
        "gather_facts": False,
        "vars_files": [str(ROLE / "defaults" / "main.yml"), str(overrides)],
        "vars": {
            "ansible_python_interpreter": sys.executable,
            "ko_versions": {"containerd": "2.3.4", "runc": "1.4.3"},
            "ko_kubernetes_version": "1.36.0",
            "ko_repository_url": url,
        },
        "tasks": [{"name": "Archive | tasks", "ansible.builtin.include_tasks": str(ROLE / "tasks" / "archive.yml")}],
        "handlers": [{"name": "Containerd | Restart", "ansible.builtin.debug": {"msg": "restart"}}],
    }]  # fmt: skip


def test_the_role_installs_the_archive_runc_and_unit_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    served_dir, root = tmp_path / "repo", tmp_path / "node"
    (served_dir / "bin").mkdir(parents=True)
    (root / "usr/local/bin").mkdir(parents=True)
    (root / "usr/local/sbin").mkdir(parents=True)
    runc = b"#!/bin/sh\necho runc version 1.4.3\n"

    def publish(version: str) -> list[dict[str, Any]]:
        archive = _archive(_upstream(version))
        name = f"containerd-{version}-linux-amd64.tar.gz"
        (served_dir / "bin" / name).write_bytes(archive)
        (served_dir / "bin" / "runc").write_bytes(runc)
        return [
            {"kind": "binary", "name": "containerd", "version": version, "path": f"bin/{name}",
             "sha256": hashlib.sha256(archive).hexdigest()},
            {"kind": "binary", "name": "runc", "version": "1.4.3", "path": "bin/runc",
             "sha256": hashlib.sha256(runc).hexdigest()},
        ]  # fmt: skip

    served = Served(served_dir)
    try:
        playbook = tmp_path / "archive.yml"
        (tmp_path / "templates").symlink_to(ROLE / "templates")  # the role's, found beside the playbook
        playbook.write_text(yaml.safe_dump(_archive_play(root, served.url, publish("2.3.4")), sort_keys=False))
        first = _run(playbook)
        assert "RUNNING HANDLER [Containerd | Restart]" in first
        for name in ("containerd", "containerd-shim-runc-v2", "ctr"):
            assert os.access(root / "usr/local/bin" / name, os.X_OK), name
        assert not (root / "usr/local/bin/containerd-stress").exists()  # only what the nodes use
        assert (root / "usr/local/bin/containerd").read_bytes() == _binary("2.3.4")
        assert (root / "usr/local/sbin/runc").read_bytes() == runc
        unit = (root / "containerd.service").read_text()
        for line in ("Delegate=yes", "KillMode=process", "LimitNOFILE=infinity", "Type=notify",
                     f"ExecStart={root}/usr/local/bin/containerd"):  # fmt: skip
            assert f"\n{line}\n" in unit, line

        second = _run(playbook)
        assert _recap(second)[1] == 0 and "RUNNING HANDLER" not in second, second

        # A binary changed on the node (or a run stopped before unpacking) is unpacked again.
        (root / "usr/local/bin/containerd").write_bytes(_binary("2.0.0"))
        third = _run(playbook)
        assert _recap(third)[1] == 1 and (root / "usr/local/bin/containerd").read_bytes() == _binary("2.3.4")
    finally:
        served.close()


def _cache(tmp_path: Path, containerd: bool, listed: bool = True) -> Path:
    bin_dir = tmp_path / "1.36.2" / "bin"
    bin_dir.mkdir(parents=True)
    names = real_package.CONTAINERD_BINARIES if containerd else ()
    lines = []
    for name in names:
        (bin_dir / name).write_bytes(_binary("2.3.4") if name == "containerd" else SHIM)
        (bin_dir / name).chmod(0o755)
        if listed:
            lines.append(f"{hashlib.sha256((bin_dir / name).read_bytes()).hexdigest()}  {name}")
    (tmp_path / "1.36.2" / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return bin_dir


@pytest.mark.parametrize(
    ("containerd", "listed", "asked", "form"),
    [(True, True, None, "archive"), (True, True, "deb", "deb"), (False, True, None, "deb"),
     (True, False, None, "deb"), (True, True, "archive", "archive")],
)  # fmt: skip
def test_the_real_package_carries_the_cache_containerd_2_unless_told_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, containerd: bool, listed: bool, asked: str | None, form: str
) -> None:
    if asked is None:
        monkeypatch.delenv("KO_REAL_CONTAINERD", raising=False)
    else:
        monkeypatch.setenv("KO_REAL_CONTAINERD", asked)
    assert real_package.containerd_form(_cache(tmp_path, containerd, listed)) == form


@pytest.mark.parametrize("asked", ["archive", "rpm"])
def test_an_impossible_real_containerd_choice_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, asked: str
) -> None:
    monkeypatch.setenv("KO_REAL_CONTAINERD", asked)
    with pytest.raises(real_package.RealPackageUnavailable, match="KO_REAL_CONTAINERD") as caught:
        real_package.containerd_form(_cache(tmp_path, False))
    assert ("build them from containerd's source" if asked == "archive" else "use archive or deb") in str(caught.value)


def test_the_real_package_archive_has_upstreams_layout(tmp_path: Path) -> None:
    bin_dir = _cache(tmp_path, True)
    out = tmp_path / "containerd.tar.gz"
    assert real_package._containerd_archive(bin_dir, out) == "2.3.4"
    with tarfile.open(out) as tar:
        assert sorted(m.name for m in tar.getmembers()) == sorted(ARCHIVE_MEMBERS["containerd"])
        assert {m.mode for m in tar.getmembers()} == {0o755}
    first = out.read_bytes()
    real_package._containerd_archive(bin_dir, out)
    assert out.read_bytes() == first  # the same bytes: the package's cache key holds


def test_runc_without_cgroups_strips_the_limits_containerd_2_sets_and_passes_the_rest_on(tmp_path: Path) -> None:
    """docs/container-hosts.md's disable_cgroup under containerd 2 (which removed it): the role's runc wrapper
    does what containerd 1.x did (no cgroup path, no limits but the device rules; updates not applied)."""
    real = tmp_path / "runc"
    real.write_text('#!/bin/sh\necho "runc $*" >> "$(dirname "$0")/calls"\n')
    real.chmod(0o755)
    wrapper = tmp_path / "runc-without-cgroups"
    overrides = tmp_path / "vars.yml"
    overrides.write_text(yaml.safe_dump({"containerd_runc_candidates": [str(tmp_path / "absent"), str(real)]}))
    play = [{
        "name": "Wrapper", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "vars_files": [str(ROLE / "defaults" / "main.yml"), str(overrides)],
        "vars": {"ansible_python_interpreter": sys.executable},
        "tasks": [{"name": "Wrapper | render", "ansible.builtin.template": {
            "src": str(ROLE / "templates" / "runc-without-cgroups.j2"), "dest": str(wrapper), "mode": "0755"}}],
    }]  # fmt: skip
    playbook = tmp_path / "wrapper.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    _run(playbook)

    bundle = tmp_path / "bundle"
    bundle.mkdir()
    devices = [{"allow": False, "access": "rwm"}, {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]
    spec = {"ociVersion": "1.2.0", "process": {"args": ["/pause"]}, "linux": {
        "cgroupsPath": "/kubepods/pod1/abc", "namespaces": [{"type": "pid"}],
        "resources": {"devices": devices, "cpu": {"shares": 2}, "memory": {"limit": 1 << 20}, "pids": {"limit": 99},
                      "unified": {"memory.high": "1"}}}}  # fmt: skip
    (bundle / "config.json").write_text(json.dumps(spec))
    argv = ["--root", "/run/containerd/runc/k8s.io", "--log", "/x/log.json", "--log-format", "json",
            "create", "--bundle", str(bundle), "--pid-file", "/x/pid", "abc"]  # fmt: skip
    run = subprocess.run([str(wrapper), *argv], capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    got = json.loads((bundle / "config.json").read_text())
    assert got["linux"] == {"namespaces": [{"type": "pid"}], "resources": {"devices": devices}}
    assert got["process"] == spec["process"]

    for other in (["--root", "/r", "start", "abc"], ["--root", "/r", "state", "abc"]):
        assert subprocess.run([str(wrapper), *other], timeout=30).returncode == 0
    update = subprocess.run([str(wrapper), "--root", "/r", "update", "-r", "-", "abc"], input='{"cpu": {}}',
                            capture_output=True, text=True, timeout=30)  # fmt: skip
    assert update.returncode == 0, update.stderr
    assert (tmp_path / "calls").read_text().splitlines() == [
        f"runc {' '.join(argv)}",
        "runc --root /r start abc",
        "runc --root /r state abc",
    ]  # the update went nowhere
