"""Offline packages through the deployment service's API: import, verification, serving, deletion."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
import yaml
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import DeliverPolicy

from ko_common import migrations
from ko_common.db import Database, new_id
from ko_deployment.packages.manifest import parse_manifest
from ko_deployment.packages.models import OfflinePackage
from ko_deployment.packages.service import INTERRUPTED
from tests.deployment.conftest import ALICE, API, Deployment, settings_for
from tests.support.offline_package import copy_package, package_tarball, replace_file
from tests.support.procs import NatsServer
from tests.support.serve import served

VERSION_DIR = "packages/1.36.0-amd64"


def served_bytes(d: Deployment, rel: str) -> httpx.Response:
    return d.client.get(f"{d.base}/repository/{urllib.parse.quote(rel)}")


def manifest_of(package: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((package / "manifest.yaml").read_text())
    return data


def nothing_left(d: Deployment) -> None:
    """No package directory and no staging leftovers in the repository."""
    assert not (d.repository / VERSION_DIR).exists()
    assert not list((d.repository / ".incoming").glob("*"))  # glob of a missing directory is empty
    assert d.call("GET", f"{API}/versions").json()["items"] == []


def test_a_directory_is_imported_verified_indexed_and_served(deployment: Deployment, full_package: Path) -> None:
    d = deployment
    package = d.import_package(full_package)
    assert package["status"] == "ready", package["error"]
    assert package["error"] is None and package["imported_at"]
    manifest = manifest_of(full_package)
    assert package["artifact_count"] == len(manifest["artifacts"])
    assert package["size"] == sum(a["size"] for a in manifest["artifacts"])
    assert package["components"]["containerd"] == "1.6.20"
    assert package["url"].endswith("/repository/" + VERSION_DIR)
    assert package["apt_source"] == f"deb [trusted=yes] {package['url']}/debs ./"
    assert {a["path"] for a in package["artifacts"]} == {a["path"] for a in manifest["artifacts"]}

    versions = d.call("GET", f"{API}/versions", who=ALICE).json()["items"]
    assert [(v["kubernetes_version"], v["arch"], v["package_id"]) for v in versions] == [
        ("1.36.0", "amd64", package["id"])
    ]
    assert versions[0]["components"]["etcd"] == "3.4.23"

    # Every artifact is served with the bytes of the source.
    for artifact in manifest["artifacts"]:
        r = served_bytes(d, f"{VERSION_DIR}/{artifact['path']}")
        assert r.status_code == 200, artifact["path"]
        assert r.content == (full_package / artifact["path"]).read_bytes(), artifact["path"]
    served_manifest = parse_manifest(served_bytes(d, f"{VERSION_DIR}/manifest.yaml").content)
    assert served_manifest.model_dump(by_alias=True, mode="json") == manifest

    # The apt index lists each .deb once, with the checksum the manifest gives.
    index = served_bytes(d, f"{VERSION_DIR}/debs/Packages").text
    stanzas = [s for s in index.split("\n\n") if s.strip()]
    debs = [a for a in manifest["artifacts"] if a["kind"] == "deb"]
    assert len(stanzas) == len(debs)
    for deb in debs:
        file_name = deb["path"].removeprefix("debs/")
        assert f"Package: {deb['name']}\n" in index
        assert f"Filename: ./{file_name}\nSize: {deb['size']}\n" in index
        assert f"SHA256: {deb['sha256']}\n" in index
    assert gzip.decompress(served_bytes(d, f"{VERSION_DIR}/debs/Packages.gz").content).decode() == index

    # Staging and trash are never served; nor is anything outside the repository.
    (d.repository / ".incoming").mkdir(exist_ok=True)
    (d.repository / ".incoming" / "x").write_text("hidden")
    assert served_bytes(d, ".incoming/x").status_code == 404
    assert served_bytes(d, "../deployment.db").status_code == 404
    _apt_fetches(d, package["apt_source"])


def _apt_fetches(d: Deployment, apt_source: str) -> None:
    """apt reads the index over HTTP and downloads .debs, checking them against it (where apt exists)."""
    if shutil.which("apt-get") is None:
        return
    tmp = d.settings.data_dir / "apt"
    for sub in ("lists/partial", "cache/archives/partial", "out"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    (tmp / "sources.list").write_text(apt_source + "\n")
    (tmp / "status").write_text("")
    opts = [
        "-q", "-o", f"Dir::Etc::sourcelist={tmp / 'sources.list'}", "-o", "Dir::Etc::sourceparts=-",
        "-o", f"Dir::State::Lists={tmp / 'lists'}", "-o", f"Dir::State::status={tmp / 'status'}",
        "-o", f"Dir::Cache={tmp / 'cache'}", "-o", "APT::Sandbox::User=root", "-o", "Debug::NoLocking=1",
        "-o", "Acquire::http::Proxy=false",
    ]  # fmt: skip
    run = subprocess.run(["apt-get", *opts, "update"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    # keepalived's file name holds an epoch ("1%3a2.2.7"): the URL must still resolve.
    run = subprocess.run(
        ["apt-get", *opts, "download", "runc", "keepalived"],
        capture_output=True, text=True, timeout=120, cwd=tmp / "out",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr + run.stdout
    assert sorted(p.name.split("_")[0] for p in (tmp / "out").glob("*.deb")) == ["keepalived", "runc"]


@pytest.mark.parametrize("compression", ["gz", ""])
def test_a_tarball_is_imported(deployment: Deployment, small_package: Path, compression: str) -> None:
    d = deployment
    tarball = package_tarball(small_package, compression)
    package = d.import_package(tarball)
    assert package["status"] == "ready", package["error"]
    assert package["source"] == str(tarball)
    kubeadm = served_bytes(d, f"{VERSION_DIR}/bin/kubeadm")
    assert kubeadm.content == (small_package / "bin/kubeadm").read_bytes()
    assert b"FAKE kubeadm" in kubeadm.content
    assert "Package: runc\n" in served_bytes(d, f"{VERSION_DIR}/debs/Packages").text


def test_a_bad_checksum_is_refused_naming_the_artifact(
    deployment: Deployment, small_package: Path, tmp_path: Path
) -> None:
    d = deployment
    bad = copy_package(small_package, tmp_path / "bad")
    deb = next((bad / "debs").glob("runc_*.deb"))
    data = bytearray(deb.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    replace_file(deb, bytes(data))
    want = next(a["sha256"] for a in manifest_of(bad)["artifacts"] if a["name"] == "runc")
    package = d.import_package(bad)
    assert package["status"] == "failed"
    error = package["error"]
    assert f"deb runc 1.1.5+ds1-1+deb12u1 (debs/{deb.name})" in error
    assert f"the manifest says {want}" in error and f"sha256 is {_sha256(bytes(data))}" in error
    assert "etcd-client" not in error  # the good artifacts are not blamed
    assert package["url"] is None
    nothing_left(d)
    assert served_bytes(d, f"{VERSION_DIR}/bin/kubeadm").status_code == 404


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def test_a_missing_or_resized_artifact_is_refused(deployment: Deployment, small_package: Path, tmp_path: Path) -> None:
    d = deployment
    bad = copy_package(small_package, tmp_path / "bad")
    (bad / "bin/kubelet").unlink()
    replace_file(bad / "bin/kubeadm", (bad / "bin/kubeadm").read_bytes() + b"# one more line\n")
    package = d.import_package(package_tarball_of(bad, tmp_path))
    assert package["status"] == "failed"
    assert "binary kubelet 1.36.0 (bin/kubelet): missing from the package" in package["error"]
    assert "binary kubeadm 1.36.0 (bin/kubeadm): size is" in package["error"]
    nothing_left(d)


def package_tarball_of(package: Path, tmp_path: Path) -> Path:
    """A tarball of a damaged package (manifest first), written without the product's checks."""
    import tarfile

    out = tmp_path / "pkg.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        tar.add(package / "manifest.yaml", arcname="manifest.yaml")
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.name != "manifest.yaml":
                tar.add(path, arcname=path.relative_to(package).as_posix())
    return out


@pytest.mark.parametrize("path", ["../../etc/passwd", "/etc/passwd", "bin/../../x", "debs/./runc.deb"])
def test_a_path_out_of_the_package_is_refused(
    deployment: Deployment, small_package: Path, tmp_path: Path, path: str
) -> None:
    d = deployment
    bad = copy_package(small_package, tmp_path / "bad")
    manifest = manifest_of(bad)
    manifest["artifacts"][0]["path"] = path
    replace_file(bad / "manifest.yaml", yaml.safe_dump(manifest).encode())
    r = d.call("POST", f"{API}/offline-packages", json={"source": str(bad)})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "source"
    assert "artifacts[0].path" in r.json()["detail"]
    assert d.call("GET", f"{API}/offline-packages").json()["total"] == 0
    nothing_left(d)


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("/nonexistent/package", "does not exist"),
        ("relative/path", "not an absolute path"),
        ("/etc/hostname", "neither a directory nor a .tar"),
        ("/etc", "has no manifest.yaml"),
    ],
)
def test_a_source_that_is_not_a_package_is_refused(deployment: Deployment, source: str, says: str) -> None:
    r = deployment.call("POST", f"{API}/offline-packages", json={"source": source})
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "source" and says in r.json()["detail"]


def test_a_version_already_imported_is_a_conflict_unless_replaced(
    deployment: Deployment, small_package: Path, tmp_path: Path
) -> None:
    d = deployment
    first = d.import_package(small_package)
    assert first["status"] == "ready", first["error"]
    r = d.call("POST", f"{API}/offline-packages", json={"source": str(package_tarball(small_package))})
    assert r.status_code == 409, r.text
    assert r.json()["field"] == "replace" and first["id"] in r.json()["detail"]

    newer = copy_package(small_package, tmp_path / "newer")
    replace_file(newer / "bin/kubeadm", (newer / "bin/kubeadm").read_bytes().replace(b"FAKE", b"Fake"))
    manifest = manifest_of(newer)
    for artifact in manifest["artifacts"]:
        if artifact["path"] == "bin/kubeadm":
            artifact["sha256"] = _sha256((newer / "bin/kubeadm").read_bytes())
    replace_file(newer / "manifest.yaml", yaml.safe_dump(manifest).encode())
    second = d.import_package(newer, replace=True)
    assert second["status"] == "ready", second["error"]
    listed = d.call("GET", f"{API}/offline-packages").json()
    assert [p["id"] for p in listed["items"]] == [second["id"]]  # the replaced package is gone
    assert b"Fake kubeadm" in served_bytes(d, f"{VERSION_DIR}/bin/kubeadm").content


def test_only_admins_import_and_delete(deployment: Deployment, small_package: Path) -> None:
    d = deployment
    r = d.call("POST", f"{API}/offline-packages", who=ALICE, json={"source": str(small_package)})
    assert r.status_code == 403, r.text
    assert d.call("POST", f"{API}/offline-packages", who=None, json={"source": str(small_package)}).status_code == 401
    package = d.import_package(small_package)
    assert d.call("DELETE", f"{API}/offline-packages/{package['id']}", who=ALICE).status_code == 403
    for path in (f"{API}/offline-packages", f"{API}/offline-packages/{package['id']}", f"{API}/versions"):
        assert d.call("GET", path, who=ALICE).status_code == 200, path
        assert d.call("GET", path, who=None).status_code == 401, path
    assert served_bytes(d, f"{VERSION_DIR}/bin/kubelet").status_code == 200  # nodes need no identity


def test_delete_removes_the_files_and_the_version(deployment: Deployment, small_package: Path) -> None:
    d = deployment
    package = d.import_package(small_package)
    assert d.call("DELETE", f"{API}/offline-packages/{package['id']}").status_code == 204
    assert d.call("GET", f"{API}/offline-packages/{package['id']}").status_code == 404
    assert served_bytes(d, f"{VERSION_DIR}/bin/kubeadm").status_code == 404
    nothing_left(d)
    assert d.call("DELETE", f"{API}/offline-packages/{package['id']}").status_code == 404
    again = d.import_package(small_package)  # the version can be imported again
    assert again["status"] == "ready", again["error"]


def test_events_say_what_happened(
    deployment: Deployment, small_package: Path, tmp_path: Path, nats_server: NatsServer
) -> None:
    d = deployment
    good = d.import_package(small_package)
    assert d.call("DELETE", f"{API}/offline-packages/{good['id']}").status_code == 204
    bad_dir = copy_package(small_package, tmp_path / "bad")
    (bad_dir / "bin/kubelet").unlink()
    bad = d.import_package(bad_dir)
    got = asyncio.run(_package_events(nats_server.url, {good["id"], bad["id"]}, 3))
    assert [(e["type"], e["subject"]) for e in got] == [
        ("kubeoperator.deployment.package.imported.v1", good["id"]),
        ("kubeoperator.deployment.package.deleted.v1", good["id"]),
        ("kubeoperator.deployment.package.failed.v1", bad["id"]),
    ]
    assert got[0]["data"]["kubernetes_version"] == "1.36.0" and got[0]["data"]["status"] == "ready"
    assert "bin/kubelet" in got[2]["data"]["error"]
    assert all("source" not in e["data"] for e in got)


async def _package_events(nats_url: str, ids: set[str], count: int, timeout: float = 15) -> list[dict[str, Any]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        sub = await js.subscribe(
            "ko.deployment.package.>", stream="KO_EVENTS", ordered_consumer=True, deliver_policy=DeliverPolicy.ALL
        )
        got: list[dict[str, Any]] = []
        deadline = asyncio.get_running_loop().time() + timeout
        while len(got) < count and asyncio.get_running_loop().time() < deadline:
            try:
                msg = await sub.next_msg(timeout=0.5)
            except (NatsTimeout, TimeoutError):
                continue
            envelope = json.loads(msg.data)
            if envelope["subject"] in ids:
                got.append(envelope)
        return got
    finally:
        await nc.close()


SEEDED_MANIFEST = {
    "apiVersion": "kubeoperator.io/package/v1",
    "kubernetesVersion": "1.35.1",
    "arch": "amd64",
    "components": {"containerd": "1.6.20"},
    "artifacts": [
        {
            "kind": "deb",
            "name": "x",
            "version": "1",
            "arch": "amd64",
            "path": "debs/x.deb",
            "sha256": "0" * 64,
            "size": 10,
        }
    ],
}


async def _seed_interrupted(database_url: str) -> str:
    db = Database(database_url, "deployment")
    try:
        await migrations.upgrade(db, Path(__file__).parents[2] / "services/ko_deployment/migrations")
        package_id = new_id()
        async with db.transaction() as session:
            session.add(
                OfflinePackage(
                    id=package_id,
                    version="1.35.1",
                    arch="amd64",
                    status="importing",
                    source="/srv/pkg",
                    manifest=SEEDED_MANIFEST,
                    size=1,
                    artifact_count=1,
                    imported_by="admin",
                )
            )
        return package_id
    finally:
        await db.dispose()


def test_a_restart_marks_an_interrupted_import_failed(
    tmp_path: Path, database_url: str, nats_server: NatsServer
) -> None:
    settings = settings_for(tmp_path / "data", database_url, nats_server.url)
    package_id = asyncio.run(_seed_interrupted(database_url))
    leftovers = [settings.repository_dir / ".incoming" / package_id, settings.repository_dir / "packages/1.35.1-amd64"]
    for path in leftovers:
        path.mkdir(parents=True)
        (path / "half-copied.deb").write_bytes(b"x" * 10)
    from ko_deployment.app import create_app

    with served(create_app(settings)) as base, httpx.Client(timeout=30, trust_env=False) as client:
        d = Deployment(base, settings, client)
        package = d.call("GET", f"{API}/offline-packages/{package_id}").json()
        assert package["status"] == "failed"
        assert package["error"] == INTERRUPTED and "import the package again" in package["error"]
        assert not any(path.exists() for path in leftovers)
        assert d.call("GET", f"{API}/versions").json()["items"] == []
