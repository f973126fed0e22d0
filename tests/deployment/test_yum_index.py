"""The yum metadata of a package's rpms/: the pure-Python rpm header reader and repodata writer,
checked against real consumers (rpm itself, createrepo_c's output for the same files, and dnf
resolving and downloading from it, over file:// and over the deployment service's HTTP)."""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from ko_deployment.packages.build import BuildError, build_manifest
from ko_deployment.packages.indexes import Digests, IndexProblem
from ko_deployment.packages.manifest import ManifestError, parse_manifest
from ko_deployment.packages.rpm_header import read_rpm
from ko_deployment.packages.yum_index import rpmvercmp, write_yum_index
from tests.deployment.conftest import Deployment
from tests.support.offline_package import copy_package
from tests.support.rpms import BUILD_TIME, FILES, RpmbuildUnavailable, build_test_rpms

REPO = "http://linux.duke.edu/metadata/repo"


@pytest.fixture(scope="module")
def rpms(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    try:
        return build_test_rpms(tmp_path_factory.mktemp("rpms"))
    except RpmbuildUnavailable as exc:
        pytest.skip(str(exc))


def digests_of(directory: Path) -> dict[str, Digests]:
    out = {}
    for path in sorted(directory.glob("*.rpm")):
        data = path.read_bytes()
        out[path.name] = Digests(
            len(data),
            hashlib.md5(data, usedforsecurity=False).hexdigest(),
            hashlib.sha1(data, usedforsecurity=False).hexdigest(),
            hashlib.sha256(data).hexdigest(),
        )
    return out


def repo_of(rpms: dict[str, Path], dest: Path) -> Path:
    dest.mkdir(parents=True)
    for path in rpms.values():
        shutil.copy(path, dest / path.name)
    return dest


def indexed(rpms: dict[str, Path], dest: Path) -> Path:
    repo = repo_of(rpms, dest)
    assert write_yum_index(repo, digests_of(repo)) == len(rpms)
    return repo


def repomd_records(repo: Path) -> dict[str, dict[str, str]]:
    root = ET.parse(repo / "repodata/repomd.xml").getroot()  # noqa: S314 (our own output)
    out = {}
    for data in root.findall(f"{{{REPO}}}data"):
        fields = {child.tag.removeprefix(f"{{{REPO}}}"): (child.text or child.get("href") or "") for child in data}
        out[data.get("type", "")] = fields
    return out


def metadata(repo: Path, kind: str) -> str:
    href = repomd_records(repo)[kind]["location"]
    return gzip.decompress((repo / href).read_bytes()).decode()


def rpm_query(path: Path, fmt: str) -> str:
    run = subprocess.run(["rpm", "-qp", "--qf", fmt, str(path)], capture_output=True, text=True, check=True)
    return run.stdout


# --- the header reader ----------------------------------------------------------------------------


def test_the_header_reader_reads_what_rpm_reads(rpms: dict[str, Path]) -> None:
    if shutil.which("rpm") is None:
        pytest.skip("rpm is not installed: run `make sysdeps`")
    for path in rpms.values():
        pkg = read_rpm(path)
        epoch, name, ver, rel, arch, summary, buildtime, size, license_, packager = rpm_query(
            path,
            "%{EPOCH}|%{NAME}|%{VERSION}|%{RELEASE}|%{ARCH}|%{SUMMARY}|%{BUILDTIME}|%{SIZE}|%{LICENSE}|%{PACKAGER}",
        ).split("|")
        assert (pkg.name, pkg.version, pkg.release, pkg.arch) == (name, ver, rel, arch)
        assert (str(pkg.epoch) if pkg.epoch is not None else "(none)") == epoch
        assert (pkg.summary, pkg.build_time, pkg.installed_size, pkg.license) == (
            summary,
            int(buildtime),
            int(size),
            license_,
        )
        assert pkg.packager == ("" if packager == "(none)" else packager)
        assert pkg.description == rpm_query(path, "%{DESCRIPTION}")
        files = rpm_query(path, "[%{FILENAMES}|%{FILEMODES}|%{FILEFLAGS}\n]").splitlines()
        assert [f"{f.path}|{f.mode}|{f.flags}" for f in pkg.files] == files
        for kind, tag in (("requires", "REQUIRE"), ("provides", "PROVIDE"), ("recommends", "RECOMMEND")):
            want = rpm_query(path, f"[%{{{tag}NAME}}|%{{{tag}FLAGS}}|%{{{tag}VERSION}}\n]").splitlines()
            assert [f"{d.name}|{d.flags}|{d.version}" for d in pkg.dependencies[kind]] == want, kind
        changes = rpm_query(path, "[%{CHANGELOGTIME}|%{CHANGELOGNAME}\n]").splitlines()
        assert [f"{c.time}|{c.author}" for c in pkg.changelogs] == changes
    tool = read_rpm(rpms["ko-tool"])
    assert (tool.epoch, tool.evr, tool.buildhost, tool.group) == (2, "2:1.2.3-1", "ko-test-builder", "System/Tools")
    assert read_rpm(rpms["ko-lib"]).evr == "0.9-3"
    assert tool.build_time == BUILD_TIME
    elf = read_rpm(rpms["ko-elf"]).dependencies["requires"]
    assert "/bin/sh" in {d.name for d in elf} and len([d for d in elf if d.name.startswith("libc.so.6")]) > 2


def test_rpmvercmp_orders_versions_as_rpm_does() -> None:
    # Expected values: rpm 4.18's labelCompare on the same pairs.
    pairs = {
        ("1.0", "1.0"): 0, ("1.0", "2.0"): -1, ("2.34", "2.4"): 1, ("1.0~rc1", "1.0"): -1,
        ("1.0^git1", "1.0"): 1, ("1.0a", "1.0"): 1, ("1.01", "1.1"): 0, ("1.a", "1.1"): -1,
        ("1.0~rc1", "1.0~rc2"): -1, ("1.0^", "1.0"): 1, ("1.0^a", "1.0.1"): -1, ("a", "b"): -1,
        ("1_0", "1.0"): 0, ("2.2.5", "2.3"): -1, ("10", "9"): 1, ("1.0", "1.0.0"): -1, ("~~", "~"): -1,
    }  # fmt: skip
    assert {pair: rpmvercmp(*pair) for pair in pairs} == pairs
    assert {pair: rpmvercmp(pair[1], pair[0]) for pair in pairs} == {p: -v for p, v in pairs.items()}


def damaged(good: bytes, tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    assert good != data
    return path


def test_a_damaged_rpm_is_refused_naming_the_file(rpms: dict[str, Path], tmp_path: Path) -> None:
    good = rpms["ko-app"].read_bytes()
    start = read_rpm(rpms["ko-app"]).header_start
    cases = {
        "not an rpm": (b"<html>not found</html>" * 10, "is not an rpm package (it does not start with the rpm lead)"),
        "empty": (b"", "is not an rpm package"),
        "truncated lead": (good[:50], "is not an rpm package"),
        "truncated signature": (good[:200], "ends inside its signature header (the file is truncated"),
        "truncated main header": (good[: start + 100], "ends inside its main header (the file is truncated"),
        "bad header magic": (good[:start] + b"\0\0\0\0" + good[start + 4 :], "main header does not start with"),
        "impossible size": (
            good[:start] + good[start : start + 8] + b"\xff\xff\xff\xff" + good[start + 12 :],
            "claims 4294967295 entries",
        ),
        "old signature type": (good[:78] + b"\x00\x01" + good[80:], "signature type 1"),
    }
    for label, (data, says) in cases.items():
        path = damaged(good, tmp_path, "ko-app-1.0-1.x86_64.rpm", data)
        with pytest.raises(IndexProblem) as caught:
            read_rpm(path)
        assert str(caught.value).startswith("ko-app-1.0-1.x86_64.rpm "), label
        assert says in str(caught.value), (label, str(caught.value))


def test_random_damage_gives_a_sentence_never_a_traceback(rpms: dict[str, Path], tmp_path: Path) -> None:
    good = rpms["ko-tool"].read_bytes()
    end = read_rpm(rpms["ko-tool"]).header_end
    rng = random.Random(5)  # reproducible damage
    path = tmp_path / "ko-tool.rpm"
    for _ in range(400):
        data = bytearray(good[:end])
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data[: rng.choice([len(data), rng.randrange(len(data))])]))
        try:
            read_rpm(path)
        except IndexProblem as exc:
            assert str(exc).startswith("ko-tool.rpm ")


# --- the repodata ---------------------------------------------------------------------------------


def test_the_repodata_is_what_createrepo_c_writes(rpms: dict[str, Path], tmp_path: Path) -> None:
    if shutil.which("createrepo_c") is None:
        pytest.skip("createrepo_c is not installed: run `make sysdeps`")
    ours = indexed(rpms, tmp_path / "ours")
    theirs = repo_of(rpms, tmp_path / "theirs")
    subprocess.run(["createrepo_c", "--no-database", str(theirs)], capture_output=True, check=True, timeout=60)
    # createrepo_c writes each file's mtime where we write its build time (so that imports are reproducible);
    # everything else is the same bytes, ko-elf's automatic dependencies (libc.so.6 filtering) included.
    file_time = re.compile(r'<time file="\d+"')
    for kind in ("primary", "filelists", "other"):
        mine, reference = metadata(ours, kind), metadata(theirs, kind)
        assert file_time.sub("<time", mine) == file_time.sub("<time", reference), kind
    assert f'<time file="{BUILD_TIME}" build="{BUILD_TIME}"/>' in metadata(ours, "primary")
    assert '<rpm:entry name="libc.so.6(GLIBC_2.' in metadata(ours, "primary")
    records = repomd_records(ours)
    assert set(records) == {"primary", "filelists", "other"} == set(repomd_records(theirs))
    for kind, record in records.items():
        packed = (ours / record["location"]).read_bytes()
        assert record["location"] == f"repodata/{hashlib.sha256(packed).hexdigest()}-{kind}.xml.gz"
        assert record["checksum"] == hashlib.sha256(packed).hexdigest() and int(record["size"]) == len(packed)
        plain = gzip.decompress(packed)
        assert record["open-checksum"] == hashlib.sha256(plain).hexdigest()
        assert int(record["open-size"]) == len(plain) and record["timestamp"] == str(BUILD_TIME)


def test_the_repodata_is_reproducible(rpms: dict[str, Path], tmp_path: Path) -> None:
    first = indexed(rpms, tmp_path / "a")
    second = repo_of(rpms, tmp_path / "b")
    for path in second.glob("*.rpm"):
        os.utime(path, (1, 1))  # another copy, other file times: the same bytes
    write_yum_index(second, digests_of(second))
    files = sorted(p.relative_to(first).as_posix() for p in (first / "repodata").iterdir())
    assert files == sorted(p.relative_to(second).as_posix() for p in (second / "repodata").iterdir())
    for rel in files:
        assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def dnf(repo_url: str, root: Path, *args: str) -> str:
    """dnf against the one repository ``repo_url`` in an empty installroot (no other repository, no network)."""
    run = subprocess.run(
        ["dnf", "-q", "-y", "--installroot", str(root), "--releasever", "9", "--nogpgcheck",
         "--setopt=reposdir=/dev/null", f"--setopt=cachedir={root}/cache", "--setopt=install_weak_deps=False",
         "--setopt=proxy=", f"--repofrompath=ko,{repo_url}", "--disablerepo=*", "--enablerepo=ko", *args],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "no_proxy": "*", "http_proxy": "", "https_proxy": "", "TZ": "UTC"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr + run.stdout
    return run.stdout


def dnf_resolves_the_test_rpms(repo_url: str, root: Path) -> None:
    """dnf reads the repository, resolves ko-app's dependencies from it and downloads the three rpms."""
    out = root / "downloads"
    dnf(repo_url, root, "install", "--downloadonly", f"--downloaddir={out}", "ko-app")
    assert sorted(p.name for p in out.glob("*.rpm")) == sorted(FILES[n] for n in ("ko-app", "ko-lib", "ko-tool"))
    assert dnf(repo_url, root, "repoquery", "--requires", "ko-app").split("\n") == [
        "/usr/sbin/ko-lib-helper",
        "ko-tool >= 2:1.2",
        "",
    ]


def test_dnf_resolves_queries_and_installs_from_the_repodata(rpms: dict[str, Path], tmp_path: Path) -> None:
    if shutil.which("dnf") is None:
        pytest.skip("dnf is not installed: run `make sysdeps`")
    repo = indexed(rpms, tmp_path / "repo")
    repo_url, root = f"file://{repo}", tmp_path / "root"
    dnf_resolves_the_test_rpms(repo_url, root)
    assert dnf(repo_url, root, "repoquery", "--whatprovides", "/usr/sbin/ko-lib-helper").strip() == (
        "ko-lib-0:0.9-3.noarch"
    )
    assert dnf(repo_url, root, "repoquery", "-l", "ko-tool").split() == [
        "/etc/ko-tool",
        "/etc/ko-tool/ko-tool.conf",
        "/usr/bin/ko-tool",
        "/usr/share/doc/ko-tool/README",
        "/var/log/ko-tool.log",
    ]
    fmt = "%{name}|%{epoch}|%{version}|%{release}|%{arch}|%{installsize}|%{buildtime}|%{license}"
    assert dnf(repo_url, root, "repoquery", "--qf", fmt, "ko-tool").strip() == (
        "ko-tool|2|1.2.3|1|x86_64|40|2026-09-21 14:13|Apache-2.0"  # BUILD_TIME
    )
    assert "ko-tool-api = 1.2" in dnf(repo_url, root, "repoquery", "--provides", "ko-tool")
    assert dnf(repo_url, root, "repoquery", "--conflicts", "ko-tool").strip() == "ko-old < 1.0"
    assert dnf(repo_url, root, "repoquery", "--obsoletes", "ko-tool").strip() == "ko-tool-legacy <= 1.0-1"
    assert dnf(repo_url, root, "repoquery", "--recommends", "ko-tool").strip() == "ko-extra"
    assert dnf(repo_url, root, "repoquery", "--suggests", "ko-tool").strip() == "ko-docs"
    assert "- Same day" in dnf(repo_url, root, "repoquery", "--changelog", "ko-tool")
    # And a real install into the empty root: rpm's transaction takes the packages dnf chose.
    dnf(repo_url, root, "install", "ko-app")
    assert (root / "usr/bin/ko-tool").is_file() and (root / "etc/ko-tool/ko-tool.conf").read_text() == "key=value\n"
    installed = subprocess.run(["rpm", "--root", str(root), "-qa"], capture_output=True, text=True, check=True)
    assert sorted(installed.stdout.split()) == ["ko-app-1.0-1.x86_64", "ko-lib-0.9-3.noarch", "ko-tool-1.2.3-1.x86_64"]


# --- the builder and the import -------------------------------------------------------------------


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the index does not touch the database (the packages API tests cover PostgreSQL)."""
    return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"


def test_the_builder_reads_rpm_headers_and_skips_the_repodata(rpms: dict[str, Path], tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    indexed(rpms, package / "rpms")  # a directory that was served once: its repodata is not an artifact
    spec = {"kubernetesVersion": "1.36.0", "arch": "amd64"}
    manifest = build_manifest(package, spec)
    assert {(a.name, a.version, a.arch, a.path) for a in manifest.artifacts} == {
        ("ko-tool", "2:1.2.3-1", "amd64", "rpms/ko-tool-1.2.3-1.x86_64.rpm"),
        ("ko-lib", "0.9-3", "all", "rpms/ko-lib-0.9-3.noarch.rpm"),
        ("ko-app", "1.0-1", "amd64", "rpms/ko-app-1.0-1.x86_64.rpm"),
        ("ko-elf", "3.1-2", "amd64", "rpms/ko-elf-3.1-2.x86_64.rpm"),
    }
    data = yaml.safe_load(manifest.to_yaml())
    data["artifacts"][0] = {**data["artifacts"][0], "kind": "binary", "path": "rpms/repodata/repomd.xml"}
    with pytest.raises(ManifestError, match=r"artifacts\[0\]: 'rpms/repodata/repomd.xml' is written by the import"):
        parse_manifest(yaml.safe_dump(data))
    (package / "rpms/ko-bad-1.0-1.x86_64.rpm").write_bytes(b"not an rpm")
    with pytest.raises(BuildError, match=r"^ko-bad-1.0-1.x86_64.rpm is not an rpm package"):
        build_manifest(package, spec)


def write_package_manifest(package: Path, data: dict[str, Any]) -> None:
    """A new manifest.yaml (never written through the hard link into the cached package)."""
    (package / "manifest.yaml").unlink()
    (package / "manifest.yaml").write_text(parse_manifest(yaml.safe_dump(data)).to_yaml())


def test_an_import_serves_a_yum_repository(
    deployment: Deployment, small_package: Path, rpms: dict[str, Path], tmp_path: Path
) -> None:
    d = deployment
    package = copy_package(small_package, tmp_path / "pkg")
    (package / "rpms").mkdir(exist_ok=True)
    data = yaml.safe_load((package / "manifest.yaml").read_text())
    for path in rpms.values():
        shutil.copy(path, package / "rpms" / path.name)
        rpm = read_rpm(path)
        data["artifacts"].append(
            {"kind": "rpm", "name": rpm.name, "version": rpm.evr, "arch": "all" if rpm.arch == "noarch" else "amd64",
             "path": f"rpms/{path.name}", "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
             "size": path.stat().st_size}
        )  # fmt: skip
    write_package_manifest(package, data)
    imported = d.import_package(package)
    assert imported["status"] == "ready", imported["error"]
    served = d.repository / "packages/1.36.0-amd64/rpms"
    assert (served / "repodata/repomd.xml").is_file()
    first = {p.name: p.read_bytes() for p in (served / "repodata").iterdir()}
    if shutil.which("dnf") is not None:
        dnf_resolves_the_test_rpms(f"{imported['url']}/rpms", tmp_path / "root")

    again = d.import_package(package, replace=True)
    assert again["status"] == "ready", again["error"]
    assert {p.name: p.read_bytes() for p in (served / "repodata").iterdir()} == first  # byte-identical

    # A damaged rpm whose checksum the manifest matches (it was built so): refused, nothing kept.
    bad = package / "rpms" / "ko-app-1.0-1.x86_64.rpm"
    bad.unlink()
    bad.write_bytes(b"\xed\xab\xee\xdb" + b"\0" * 200)
    for artifact in data["artifacts"]:
        if artifact["path"] == "rpms/ko-app-1.0-1.x86_64.rpm":
            artifact["sha256"], artifact["size"] = hashlib.sha256(bad.read_bytes()).hexdigest(), bad.stat().st_size
    write_package_manifest(package, data)
    refused = d.import_package(package, replace=True)
    assert refused["status"] == "failed"
    assert refused["error"].startswith("The repository index cannot be written: ko-app-1.0-1.x86_64.rpm ")
    assert "Traceback" not in refused["error"]
    assert {p.name: p.read_bytes() for p in (served / "repodata").iterdir()} == first  # the ready one stays
    assert not list((d.repository / ".incoming").glob("*"))
