"""Reading a package where the administrator put it: a directory, or a .tar / .tar.gz / .tgz file.

Only the manifest and the files it lists are ever read; nothing else of the source is copied.
A tarball may hold the package at its root or under one top directory (``tar -C parent -czf
pkg.tgz 1.36.0-amd64``). Links are never followed out of the package.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO

from ko_deployment.packages.manifest import MANIFEST_NAME, Manifest, ManifestError, parse_manifest

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")
MAX_MANIFEST_BYTES = 32 * 1024 * 1024


class SourceError(ValueError):
    """The source cannot be used as it is; the message says what to change."""


def check_source(path_text: str) -> Path:
    """The source path if it can be imported at all (exists, right kind), else SourceError."""
    path = Path(path_text)
    if not path.is_absolute():
        raise SourceError(f"{path_text!r} is not an absolute path: give the full path on the deployment server")
    if path.is_dir():
        if not (path / MANIFEST_NAME).is_file():
            raise SourceError(f"{path} has no {MANIFEST_NAME}: give the package's root directory")
        return path
    if path.is_file():
        if not path.name.endswith(TAR_SUFFIXES):
            raise SourceError(f"{path} is neither a directory nor a .tar, .tar.gz or .tgz file")
        return path
    raise SourceError(f"{path} does not exist on the deployment server (or is not readable by it)")


def _member_path(name: str) -> str:
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    return "/".join(parts)


def read_manifest(source: Path) -> tuple[Manifest, str]:
    """The source's manifest and where the package starts in it ('' or 'top/' in a tarball).

    ManifestError or SourceError if it cannot be read.
    """
    if source.is_dir():
        return parse_manifest((source / MANIFEST_NAME).read_bytes()), ""
    try:
        # Streaming mode: the builder puts the manifest first, so this stops after the first member.
        with tarfile.open(source, "r|*") as tar:
            for member in tar:
                path = _member_path(member.name)
                if path == MANIFEST_NAME or (path.count("/") == 1 and path.endswith("/" + MANIFEST_NAME)):
                    if not member.isfile() or member.size > MAX_MANIFEST_BYTES:
                        raise SourceError(f"{member.name} in {source.name} is not a regular file of a sane size")
                    fh = tar.extractfile(member)
                    assert fh is not None
                    return parse_manifest(fh.read()), path[: -len(MANIFEST_NAME)]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise SourceError(f"{source} cannot be read as a tarball: {exc}") from exc
    raise ManifestError([f"{source.name} has no {MANIFEST_NAME} at its root or under one top directory"])


Visitor = Callable[[str, IO[bytes], int], None]


def each_artifact(source: Path, prefix: str, wanted: set[str], visit: Visitor) -> set[str]:
    """Call ``visit(path, stream, size)`` for each wanted artifact found in the source; returns those found.

    A wanted path that is a link, a directory or a device is reported as missing by the caller.
    """
    if source.is_dir():
        return _each_in_directory(source, wanted, visit)
    return _each_in_tarball(source, prefix, wanted, visit)


def _each_in_directory(root: Path, wanted: set[str], visit: Visitor) -> set[str]:
    found: set[str] = set()
    real_root = root.resolve()
    for rel in sorted(wanted):
        path = root / rel
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            continue
        # A link may point inside the package (shared files), never out of it.
        if not resolved.is_relative_to(real_root) or not resolved.is_file():
            continue
        fd = os.open(resolved, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as fh:
            visit(rel, fh, os.fstat(fh.fileno()).st_size)
        found.add(rel)
    return found


def _each_in_tarball(source: Path, prefix: str, wanted: set[str], visit: Visitor) -> set[str]:
    found: set[str] = set()
    with tarfile.open(source, "r|*") as tar:
        for member in tar:
            path = _member_path(member.name)
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix) :]
            if rel in wanted and rel not in found and member.isfile():
                fh = tar.extractfile(member)
                assert fh is not None
                visit(rel, fh, member.size)
                found.add(rel)
    return found
