"""The OCI image archives of tests/support/oci.py: structure, digests, sizes, determinism."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.support import oci


def _members(path: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(path) as tar:
        return {m.name: m for m in tar.getmembers()}


def _read(path: Path, name: str) -> bytes:
    with tarfile.open(path) as tar:
        fh = tar.extractfile(name)
        assert fh is not None, name
        return fh.read()


def _blob(path: Path, descriptor: dict) -> bytes:
    algo, hexdigest = descriptor["digest"].split(":")
    assert algo == "sha256"
    data = _read(path, f"blobs/sha256/{hexdigest}")
    assert hashlib.sha256(data).hexdigest() == hexdigest
    assert len(data) == descriptor["size"]
    return data


@pytest.mark.parametrize("compress", [False, True])
def test_archive_is_a_valid_oci_layout(tmp_path: Path, compress: bool) -> None:
    script = tmp_path / "fake"
    script.write_bytes(b"#!/usr/bin/python3\nprint('hi')\n")
    script.chmod(0o755)
    out = oci.oci_archive(
        tmp_path / "img.tar",
        "registry.k8s.io/kube-apiserver",
        "v1.33.0",
        {"/usr/local/bin/kube-apiserver": script, "/etc/motd": b"hello\n"},
        entrypoint=["/usr/local/bin/kube-apiserver"],
        compress=compress,
    )
    members = _members(out)
    assert {"oci-layout", "index.json"} <= members.keys()
    assert json.loads(_read(out, "oci-layout")) == {"imageLayoutVersion": "1.0.0"}

    index = json.loads(_read(out, "index.json"))
    assert index["schemaVersion"] == 2
    assert index["mediaType"] == oci.MEDIA_INDEX
    [entry] = index["manifests"]
    assert entry["mediaType"] == oci.MEDIA_MANIFEST
    assert entry["annotations"] == {
        "io.containerd.image.name": "registry.k8s.io/kube-apiserver:v1.33.0",
        "org.opencontainers.image.ref.name": "v1.33.0",
    }
    manifest = json.loads(_blob(out, entry))
    assert manifest["schemaVersion"] == 2
    assert manifest["mediaType"] == oci.MEDIA_MANIFEST
    assert manifest["config"]["mediaType"] == oci.MEDIA_CONFIG
    config = json.loads(_blob(out, manifest["config"]))
    assert config["os"] == "linux" and config["architecture"] == "amd64"
    assert config["config"]["Entrypoint"] == ["/usr/local/bin/kube-apiserver"]

    [layer_desc] = manifest["layers"]
    assert layer_desc["mediaType"] == (oci.MEDIA_LAYER_GZIP if compress else oci.MEDIA_LAYER)
    layer = _blob(out, layer_desc)
    uncompressed = gzip.decompress(layer) if compress else layer
    assert config["rootfs"] == {
        "type": "layers",
        "diff_ids": ["sha256:" + hashlib.sha256(uncompressed).hexdigest()],
    }
    # Exactly the three blobs, nothing stray.
    blobs = {n for n in members if n.startswith("blobs/sha256/") and members[n].isfile()}
    assert len(blobs) == 3

    with tarfile.open(fileobj=io.BytesIO(uncompressed)) as tar:
        files = {m.name: m for m in tar.getmembers()}
        assert files["usr/local/bin/kube-apiserver"].mode == 0o755
        assert files["etc/motd"].mode == 0o644
        assert files["usr/local/bin"].isdir()
        assert all(m.mtime == 0 and m.uid == 0 for m in files.values())
        fh = tar.extractfile("usr/local/bin/kube-apiserver")
        assert fh is not None and fh.read() == script.read_bytes()


def test_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    files: dict[str, bytes | Path] = {"/pause": b"#!/bin/sh\nsleep infinity\n", "/a/b": b"x"}
    one = oci.oci_archive(tmp_path / "1.tar", "registry.k8s.io/pause", "3.10", files, compress=True)
    two = oci.oci_archive(
        tmp_path / "2.tar", "registry.k8s.io/pause", "3.10", dict(reversed(files.items())), compress=True
    )
    assert one.read_bytes() == two.read_bytes()
    three = oci.oci_archive(tmp_path / "3.tar", "registry.k8s.io/pause", "3.9", files, compress=True)
    assert three.read_bytes() != one.read_bytes()


@pytest.mark.parametrize(
    ("name", "tag", "path"),
    [
        ("registry.k8s.io/pause:3.10", "3.10", "/pause"),
        ("registry.k8s.io/pause", "a:b", "/pause"),
        ("registry.k8s.io/pause", "3.10", "/../etc/passwd"),
    ],
)
def test_bad_input_is_refused(tmp_path: Path, name: str, tag: str, path: str) -> None:
    with pytest.raises(ValueError):
        oci.oci_archive(tmp_path / "x.tar", name, tag, {path: b""})
