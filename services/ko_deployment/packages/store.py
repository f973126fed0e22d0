"""The repository on disk: ``<data_dir>/repository/packages/<version>-<arch>/``, served read-only at /repository/.

An import copies each artifact the manifest lists into a staging directory inside the repository
root while hashing it (one streamed pass), refuses the package if any artifact is missing or has
another size or sha256, writes the indexes (apt, Helm, yum), then renames the staging directory
into place: a package is either wholly in the repository or not at all. Terraform providers are
made executable (0755): ``packages/<dir>/terraform-providers/`` is a filesystem mirror as it is.
Everything here is blocking file work, run in a thread by the service. Hidden directories
(``.incoming``, ``.trash``) are never served.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ko_deployment.packages import indexes, yum_index
from ko_deployment.packages.manifest import MANIFEST_NAME, Manifest
from ko_deployment.packages.source import each_artifact

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024
PACKAGES = "packages"
INCOMING = ".incoming"
TRASH = ".trash"


class PackageRefused(ValueError):
    """The package is bad or cannot be imported; the message says which artifact and what to do."""


class Interrupted(RuntimeError):
    """The import was stopped (the service is shutting down)."""


@dataclass(frozen=True)
class Imported:
    path: Path
    size: int
    debs_indexed: int
    charts_indexed: int
    rpms_indexed: int


def package_dir(root: Path, version: str, arch: str) -> Path:
    return root / PACKAGES / f"{version}-{arch}"


def _verify_copy(
    rel: str, stream: IO[bytes], dest: Path, manifest_size: int, want: str, cancel: threading.Event
) -> indexes.Digests:
    dest.parent.mkdir(parents=True, exist_ok=True)
    sha256, md5, sha1 = hashlib.sha256(), hashlib.md5(usedforsecurity=False), hashlib.sha1(usedforsecurity=False)
    size = 0
    with dest.open("wb") as out:
        while chunk := stream.read(CHUNK):
            if cancel.is_set():
                raise Interrupted("the import was interrupted")
            size += len(chunk)
            if size > manifest_size:
                break  # no point reading a file that is already too long to the end
            sha256.update(chunk)
            md5.update(chunk)
            sha1.update(chunk)
            out.write(chunk)
    if size != manifest_size:
        got = f"{size} bytes" if size <= manifest_size else f"more than {manifest_size} bytes"
        raise _Mismatch(f"size is {got}, the manifest says {manifest_size}")
    if sha256.hexdigest() != want:
        raise _Mismatch(f"sha256 is {sha256.hexdigest()}, the manifest says {want}")
    return indexes.Digests(size, md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest())


class _Mismatch(ValueError):
    pass


def stage_and_install(
    root: Path,
    source: Path,
    prefix: str,
    manifest: Manifest,
    staging_name: str,
    *,
    replace: bool,
    cancel: threading.Event | None = None,
) -> Imported:
    """Verify and copy the package from ``source`` into the repository under ``root`` (blocking)."""
    cancel = cancel or threading.Event()
    staging = root / INCOMING / staging_name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        by_path = {a.path: a for a in manifest.artifacts}
        digests: dict[str, indexes.Digests] = {}
        problems: list[str] = []

        def visit(rel: str, stream: IO[bytes], size: int) -> None:
            artifact = by_path[rel]
            if size != artifact.size:
                # Known before reading a byte (directory stat, tar header): refuse without hashing.
                problems.append(f"{artifact.label()}: size is {size} bytes, the manifest says {artifact.size}")
                return
            try:
                digests[rel] = _verify_copy(rel, stream, staging / rel, artifact.size, artifact.sha256, cancel)
            except _Mismatch as exc:
                problems.append(f"{artifact.label()}: {exc}")
                return
            if artifact.kind == "terraform-provider":
                # Terraform runs it from the mirror as it is (a tarball or a copy may have lost the mode).
                (staging / rel).chmod(0o755)

        found = each_artifact(source, prefix, set(by_path), visit)
        for artifact in manifest.artifacts:
            if artifact.path not in found:
                problems.append(f"{artifact.label()}: missing from the package (no regular file at that path)")
        if problems:
            hint = (
                "the file is damaged or the manifest is wrong: copy the package again, or rebuild its manifest "
                "with `python -m ko_deployment.packages build`"
            )
            raise PackageRefused(f"{len(problems)} artifact(s) refused: " + "; ".join(problems[:10]) + f". {hint}.")
        (staging / MANIFEST_NAME).write_text(manifest.to_yaml())
        debs = {Path(rel).name: d for rel, d in digests.items() if by_path[rel].kind == "deb"}
        charts = {Path(rel).name: d.sha256 for rel, d in digests.items() if by_path[rel].kind == "chart"}
        rpms = {Path(rel).name: d for rel, d in digests.items() if by_path[rel].kind == "rpm"}
        try:
            n_debs = indexes.write_apt_index(staging / "debs", debs, manifest.arch) if debs else 0
            n_charts = indexes.write_chart_index(staging / "charts", charts) if charts else 0
            n_rpms = yum_index.write_yum_index(staging / "rpms", rpms) if rpms else 0
        except indexes.IndexProblem as exc:
            raise PackageRefused(f"The repository index cannot be written: {exc}.") from exc
        target = package_dir(root, manifest.kubernetes_version, manifest.arch)
        _move_into_place(root, staging, target, staging_name, replace=replace)
        return Imported(target, manifest.total_size, n_debs, n_charts, n_rpms)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_into_place(root: Path, staging: Path, target: Path, name: str, *, replace: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if not replace:
            raise PackageRefused(
                f"{target.name} is already in the repository: delete that package first, or import with replace"
            )
        old = root / TRASH / f"replaced-{name}"
        old.parent.mkdir(parents=True, exist_ok=True)
        os.rename(target, old)
        try:
            os.rename(staging, target)
        except OSError:
            os.rename(old, target)  # keep the package that was there
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, target)


def withdraw(root: Path, version: str, arch: str, name: str) -> Path | None:
    """Take a package out of the served tree at once (one rename); the caller removes the returned path."""
    target = package_dir(root, version, arch)
    if not target.exists():
        return None
    trash = root / TRASH / f"deleted-{name}"
    trash.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(trash, ignore_errors=True)
    os.rename(target, trash)
    return trash


def clear_leftovers(root: Path) -> list[str]:
    """Remove what an interrupted import or delete left behind (start-up)."""
    removed = []
    for hidden in (INCOMING, TRASH):
        base = root / hidden
        if base.is_dir():
            for child in base.iterdir():
                shutil.rmtree(child, ignore_errors=True)
                removed.append(f"{hidden}/{child.name}")
    return removed
