"""The package builder from a versions file, against local sources: an HTTP server on 127.0.0.1 for
the files and a real registry (Debian's docker-registry) for the images, copied with skopeo. The
package it writes passes the import's verification and indexing (store.stage_and_install)."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from ko_deployment.packages.__main__ import main
from ko_deployment.packages.manifest import parse_manifest
from ko_deployment.packages.source import read_manifest
from ko_deployment.packages.store import stage_and_install
from ko_deployment.packages.versions import API_VERSION, VersionsError, load_versions, plan, resolve_path
from tests.support.oci import oci_archive
from tests.support.procs import free_port

REGISTRY = Path("/usr/bin/docker-registry")


class Served:
    """A threaded HTTP server on 127.0.0.1 serving ``root``; ``requests`` lists each path asked."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        self.fail_once: set[str] = set()  # paths answered 503 the first time
        served = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                served.requests.append(self.path)
                if self.path in served.fail_once:
                    served.fail_once.discard(self.path)
                    self.send_error(503)
                    return
                super().do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_deb(dest: Path, name: str, version: str) -> Path:
    root = dest / f"{name}-src"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {name}\nVersion: {version}\nArchitecture: amd64\nMaintainer: tests <t@example.org>\n"
        f"Description: test package\n"
    )
    deb = dest / f"{name}_{version}_amd64.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(deb)], check=True,
                   capture_output=True)  # fmt: skip
    shutil.rmtree(root)
    return deb


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[tuple[Served, dict[str, bytes]]]:
    files = {
        "release/v1.36.0/bin/linux/amd64/kubeadm": b"#!/bin/sh\necho kubeadm v1.36.0\n",
        "cri-tools/v1.36.0/crictl-v1.36.0-linux-amd64.tar.gz": tar_gz({"crictl": b"#!/bin/sh\necho crictl\n"}),
        "charts/coredns-1.43.0.tgz": tar_gz(
            {"coredns/Chart.yaml": b"apiVersion: v2\nname: coredns\nversion: 1.43.0\n"}
        ),
    }
    root = tmp_path / "upstream"
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    served = Served(root)
    yield served, files
    served.close()


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real registry on 127.0.0.1 holding registry.k8s.io/pause:3.10 (tests/support/oci.py) as <host>/pause:3.10."""
    if not REGISTRY.exists() or shutil.which("skopeo") is None:
        pytest.skip("needs Debian's docker-registry and skopeo (deploy/dev/system-deps.sh installs them)")
    tmp = tmp_path_factory.mktemp("registry")
    host = f"127.0.0.1:{free_port()}"
    config = {"version": 0.1, "log": {"level": "error"}, "http": {"addr": host},
              "storage": {"filesystem": {"rootdirectory": str(tmp / "data")}}}  # fmt: skip
    (tmp / "config.yml").write_text(yaml.safe_dump(config))
    proc = subprocess.Popen([str(REGISTRY), "serve", str(tmp / "config.yml")], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://{host}/v2/", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("docker-registry did not start")
                time.sleep(0.1)
        archive = oci_archive(tmp / "pause.tar", "registry.k8s.io/pause", "3.10", {"/pause": b"#!/bin/sh\nsleep 1\n"})
        subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci-archive:{archive}",
                        f"docker://{host}/pause:3.10"], check=True, capture_output=True, timeout=120)  # fmt: skip
        yield host
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def versions_file(path: Path, url: str, files: dict[str, bytes], images: list[dict[str, Any]] | None = None,
                  **changes: Any) -> Path:  # fmt: skip
    kubeadm, crictl, chart = files
    data: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kubernetesVersion": "1.36.0",
        "arch": "amd64",
        "description": "Kubernetes {kubernetes_version} ({arch}) from local sources",
        "components": {
            "kubernetes": {
                "version": "{kubernetes_version}",
                "files": [{"path": "bin/kubeadm", "url": url + "/release/v{version}/bin/linux/{arch}/kubeadm",
                           "sha256": {"amd64": sha(files[kubeadm]), "arm64": "0" * 64}}],
                "images": images or [],
            },
            "crictl": {"version": "1.36.0", "files": [
                {"path": "bin/crictl", "url": url + "/cri-tools/v{version}/crictl-v{version}-linux-{arch}.tar.gz",
                 "extract": "crictl", "sha256": sha(files[crictl])}]},
            "coredns": {"version": "1.12.1", "files": [
                {"path": "charts/coredns-{version}.tgz", "version": "1.43.0",
                 "url": url + "/charts/coredns-{version}.tgz", "sha256": sha(files[chart])}]},
            "runc": {"packages": ["runc"]},
        },
        "directories": [{"from": "debs", "into": "debs", "pattern": "*.deb"}],
    }  # fmt: skip
    data.update(changes)
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def debs(tmp_path: Path) -> Path:
    (tmp_path / "sources" / "debs").mkdir(parents=True)
    make_deb(tmp_path / "sources" / "debs", "runc", "1.1.5+ds1-1")
    return tmp_path / "sources"


def build(*args: str) -> int:
    return main(["build", *args])


def test_a_package_from_local_sources_passes_the_import_and_a_second_build_downloads_nothing(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], registry: str, debs: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    served, files = upstream
    image = {"name": "registry.k8s.io/pause", "tag": "3.10", "source": f"docker://{registry}/pause:{{tag}}"}
    versions = versions_file(tmp_path / "versions.yaml", served.url, files, images=[image])
    cache, out = tmp_path / "cache", tmp_path / "out" / "1.36.0-amd64"
    common = ["--versions", str(versions), "--source-dir", str(debs), "--cache", str(cache),
              "--insecure-registry", registry]  # fmt: skip
    assert build(*common, "--out", str(out), "--tarball") == 0, capsys.readouterr().err
    assert len(served.requests) == 3
    err = capsys.readouterr().err
    assert "images/pause_3.10.tar: registry.k8s.io/pause:3.10 (sha256:" in err

    manifest = parse_manifest((out / "manifest.yaml").read_bytes())
    got = {a.path: (a.kind, a.name, a.version) for a in manifest.artifacts}
    assert got == {
        "bin/kubeadm": ("binary", "kubeadm", "1.36.0"),
        "bin/crictl": ("binary", "crictl", "1.36.0"),
        "charts/coredns-1.43.0.tgz": ("chart", "coredns", "1.43.0"),
        "images/pause_3.10.tar": ("image", "registry.k8s.io/pause", "3.10"),
        "debs/runc_1.1.5+ds1-1_amd64.deb": ("deb", "runc", "1.1.5+ds1-1"),
    }
    assert manifest.components == {"kubernetes": "1.36.0", "crictl": "1.36.0", "coredns": "1.12.1", "runc": "1.1.5"}
    assert manifest.description == "Kubernetes 1.36.0 (amd64) from local sources"
    assert (out / "bin" / "crictl").read_bytes() == b"#!/bin/sh\necho crictl\n"
    with tarfile.open(out / "images" / "pause_3.10.tar") as tar:  # a docker-archive: ctr imports it by its tag
        fh = tar.extractfile("manifest.json")
        assert fh is not None and b'"RepoTags":["registry.k8s.io/pause:3.10"]' in fh.read()

    # What the import does with it: read the manifest from the tarball, verify every file, write the indexes.
    tarball = out.with_name("1.36.0-amd64.tar.gz")
    imported_manifest, prefix = read_manifest(tarball)
    imported = stage_and_install(tmp_path / "repository", tarball, prefix, imported_manifest, "t", replace=False)
    assert (imported.debs_indexed, imported.charts_indexed) == (1, 1)
    assert (imported.path / "images" / "pause_3.10.tar").read_bytes() == (out / "images/pause_3.10.tar").read_bytes()

    # The same build again: every file from the cache, the image copied by the digest from the cache.
    again = tmp_path / "again"
    assert build(*common, "--out", str(again)) == 0
    assert len(served.requests) == 3
    assert (again / "manifest.yaml").read_text() == (out / "manifest.yaml").read_text()


def test_an_image_whose_digest_differs_from_the_pinned_one_is_refused(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], registry: str, debs: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    served, files = upstream
    pinned = "sha256:" + "0" * 64
    image = {"name": "registry.k8s.io/pause", "tag": "3.10", "source": f"docker://{registry}/pause:{{tag}}",
             "digest": {"amd64": pinned}}  # fmt: skip
    versions = versions_file(tmp_path / "versions.yaml", served.url, files, images=[image])
    args = ["--versions", str(versions), "--source-dir", str(debs), "--cache", str(tmp_path / "c"),
            "--insecure-registry", registry, "--out", str(tmp_path / "out")]  # fmt: skip
    assert build(*args) == 1
    err = capsys.readouterr().err
    assert f"images/pause_3.10.tar (components.kubernetes.images[0]) from docker://{registry}/pause:3.10: " in err
    assert f"digest mismatch: expected {pinned}, got sha256:" in err
    assert not (tmp_path / "out").exists()


def test_a_failed_download_is_tried_again_from_the_start(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], debs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served, files = upstream
    versions = versions_file(tmp_path / "versions.yaml", served.url, files)
    served.fail_once.add("/release/v1.36.0/bin/linux/amd64/kubeadm")
    out = tmp_path / "out"
    args = ["--versions", str(versions), "--source-dir", str(debs), "--cache", str(tmp_path / "c"), "--out", str(out)]
    assert build(*args) == 0, capsys.readouterr().err
    assert "bin/kubeadm: HTTP 503; trying again from the start (2/3)" in capsys.readouterr().err
    assert served.requests.count("/release/v1.36.0/bin/linux/amd64/kubeadm") == 2
    assert (out / "bin" / "kubeadm").read_bytes() == files["release/v1.36.0/bin/linux/amd64/kubeadm"]


def test_a_checksum_mismatch_refuses_the_build_naming_the_artifact(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], debs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served, files = upstream
    versions = versions_file(tmp_path / "versions.yaml", served.url, files)
    data = yaml.safe_load(versions.read_text())
    data["components"]["crictl"]["files"][0]["sha256"] = "ab" * 32
    versions.write_text(yaml.safe_dump(data))
    out = tmp_path / "out"
    code = build(
        "--versions", str(versions), "--source-dir", str(debs), "--cache", str(tmp_path / "c"), "--out", str(out)
    )
    err = capsys.readouterr().err
    assert code == 1
    actual = sha(files["cri-tools/v1.36.0/crictl-v1.36.0-linux-amd64.tar.gz"])
    assert f"bin/crictl (components.crictl.files[0]) from {served.url}/cri-tools/" in err
    assert f"sha256 mismatch: expected {'ab' * 32}, got {actual}" in err
    assert not out.exists() and not list(tmp_path.glob(".out*"))
    # Only what was verified is cached (the chart: components in file order, sorted by safe_dump), no partial file.
    cached = {p.name for p in (tmp_path / "c" / "sha256").iterdir()}
    assert cached == {sha(files["charts/coredns-1.43.0.tgz"])}


def test_local_sources_need_no_network_and_offline_names_what_is_missing(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], debs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served, files = upstream
    versions = versions_file(tmp_path / "versions.yaml", served.url, files)
    for rel in ("release/v1.36.0/bin/linux/amd64/kubeadm", "cri-tools/v1.36.0/crictl-v1.36.0-linux-amd64.tar.gz"):
        (debs / rel.rsplit("/", 1)[-1]).write_bytes(files[rel])
    args = ["--versions", str(versions), "--source-dir", str(debs), "--cache", str(tmp_path / "c"), "--offline"]
    assert build(*args, "--out", str(tmp_path / "o1")) == 1
    assert "components.coredns.files[0]: charts/coredns-1.43.0.tgz is not in the cache nor in a source directory" in (
        capsys.readouterr().err
    )
    (debs / "coredns-1.43.0.tgz").write_bytes(files["charts/coredns-1.43.0.tgz"])
    assert build(*args, "--out", str(tmp_path / "o2")) == 0, capsys.readouterr().err
    assert served.requests == []
    # A local file the versions file pins is checked as strictly as a download.
    (debs / "kubeadm").write_bytes(b"something else")
    assert build(*args, "--out", str(tmp_path / "o3")) == 1
    assert (
        f"sha256 mismatch: expected {sha(files['release/v1.36.0/bin/linux/amd64/kubeadm'])}" in capsys.readouterr().err
    )


def test_a_package_component_version_is_checked_against_its_deb(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], debs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served, files = upstream
    versions = versions_file(tmp_path / "versions.yaml", served.url, files)
    data = yaml.safe_load(versions.read_text())
    data["components"]["runc"]["version"] = "1.2.6"
    data["components"]["containerd"] = {"packages": ["containerd"]}
    versions.write_text(yaml.safe_dump(data))
    assert build("--versions", str(versions), "--source-dir", str(debs), "--cache", str(tmp_path / "c"),
                 "--out", str(tmp_path / "out")) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "components.runc.version: 1.2.6, but debs/runc_1.1.5+ds1-1_amd64.deb is version 1.1.5+ds1-1" in err
    assert "components.containerd.packages: no .deb or .rpm named containerd in the package" in err
    assert not (tmp_path / "out").exists()


def test_a_bad_versions_file_is_refused_with_every_problem_named_by_its_key(tmp_path: Path) -> None:
    path = versions_file(tmp_path / "v.yaml", "http://127.0.0.1:1", {"a": b"", "b": b"", "c": b""})
    data = yaml.safe_load(path.read_text())
    data["components"]["kubernetes"]["files"][0]["sha256"] = {"amd64": "xyz"}
    data["components"]["crictl"]["files"][0]["url"] = "http://x/{versoin}"
    data["components"]["coredns"].pop("version")
    data["components"]["crictl"]["colour"] = "blue"
    data["directories"][0]["into"] = "etc"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(VersionsError) as info:
        load_versions(path)
    text = "\n".join(info.value.problems)
    assert "components.kubernetes.files[0].sha256: amd64: 'xyz' must be 64 hexadecimal characters" in text
    assert "components.crictl.files[0]: 'http://x/{versoin}': unknown placeholder {versoin}" in text
    assert "components.coredns: version is missing" in text
    assert "components.crictl.colour: Extra inputs are not permitted" in text
    assert "directories[0].into:" in text
    assert len(info.value.problems) == 5


def test_a_download_without_a_sha256_is_refused_before_anything_is_fetched(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], debs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served, files = upstream
    versions = versions_file(tmp_path / "versions.yaml", served.url, files)
    data = yaml.safe_load(versions.read_text())
    del data["components"]["kubernetes"]["files"][0]["sha256"]
    versions.write_text(yaml.safe_dump(data))
    assert build("--versions", str(versions), "--source-dir", str(debs), "--cache", str(tmp_path / "c"),
                 "--out", str(tmp_path / "out")) == 1  # fmt: skip
    assert "components.kubernetes.files[0].sha256: missing for bin/kubeadm: a download must be pinned" in (
        capsys.readouterr().err
    )
    assert served.requests == []


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_the_bundled_versions_file_pins_every_download(arch: str) -> None:
    path = resolve_path("1.36.0")
    planned = plan(load_versions(path), path.parent, arch, [])
    assert planned.kubernetes_version == "1.36.0"
    assert {f.path for f in planned.files} >= {"bin/kubeadm", "bin/kubelet", "bin/kubectl", "bin/crictl", "bin/helm"}
    for f in planned.files:
        assert f.url and f.url.startswith("https://") and f.sha256 and len(f.sha256) == 64, f
    images = {i.name: i.tag for i in planned.images}
    assert images["registry.k8s.io/kube-apiserver"] == "v1.36.0"
    assert images["registry.k8s.io/pause"] == "3.10.2"
    assert set(planned.package_components) >= {"etcd"}
    assert set(planned.components) >= {"containerd", "runc"}  # upstream's files (test_containerd_archive.py)


def test_the_directory_form_of_build_still_writes_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "bin").mkdir(parents=True)
    (tmp_path / "pkg" / "bin" / "kubeadm").write_bytes(b"x")
    assert build(str(tmp_path / "pkg"), "--kubernetes-version", "1.36.0", "--arch", "amd64", "--tarball") == 0
    assert parse_manifest((tmp_path / "pkg" / "manifest.yaml").read_bytes()).artifacts[0].name == "kubeadm"
    assert (tmp_path / "pkg.tar.gz").is_file()


def test_a_versions_files_requires_goes_into_the_manifest_and_an_older_deb_refuses_the_build(
    tmp_path: Path, upstream: tuple[Served, dict[str, bytes]], debs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    served, files = upstream
    common = ["--source-dir", str(debs), "--cache", str(tmp_path / "c")]
    versions = versions_file(tmp_path / "old.yaml", served.url, files, requires={"runc": "1.2.0"})
    assert build("--versions", str(versions), *common, "--out", str(tmp_path / "old")) == 1
    assert "requires.runc: 1.2.0, but components.runc is 1.1.5: put runc 1.2.0 or newer" in capsys.readouterr().err
    assert not (tmp_path / "old").exists()
    versions = versions_file(tmp_path / "ok.yaml", served.url, files, requires={"runc": "1.1.5"})
    assert build("--versions", str(versions), *common, "--out", str(tmp_path / "ok")) == 0, capsys.readouterr().err
    assert parse_manifest((tmp_path / "ok" / "manifest.yaml").read_bytes()).requires == {"runc": "1.1.5"}
