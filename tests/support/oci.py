"""Small, deterministic OCI image archives for the test offline package.

``oci_archive(path, name, tag, files)`` writes an OCI image layout as one tar file (what
``skopeo copy ... oci-archive:`` or ``docker save`` writes): ``oci-layout``, ``index.json``,
and under ``blobs/sha256/`` the manifest, the image config and one layer. ``ctr -n k8s.io
images import <path>`` names the image ``<name>:<tag>`` from the index's
``io.containerd.image.name`` annotation (``org.opencontainers.image.ref.name`` carries the tag,
as ``docker save`` writes it).

The same input always gives the same bytes (sorted entries, mtime 0, uid/gid 0, no gzip
timestamps), so the package checksums are stable from one build to the next.

    python -m tests.support.oci out.tar registry.k8s.io/pause 3.10 /pause=./pause-script
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import tarfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"
MEDIA_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
ANNOTATION_CONTAINERD_NAME = "io.containerd.image.name"
EPOCH = "1970-01-01T00:00:00Z"


def oci_archive(
    path: Path | str,
    name: str,
    tag: str,
    files: Mapping[str, bytes | Path],
    *,
    arch: str = "amd64",
    entrypoint: Sequence[str] | None = None,
    cmd: Sequence[str] | None = None,
    env: Sequence[str] = ("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",),
    compress: bool = False,
) -> Path:
    """Write an OCI image archive of one layer holding ``files`` to ``path``; return ``path``.

    ``files`` maps absolute paths inside the image (``/usr/local/bin/kube-apiserver``) to their
    content, as bytes or as a file to read. A file is executable (0755) when the source file is,
    when it starts with ``#!`` or when it lies in a ``bin``/``sbin`` directory; else 0644.
    Parent directories are added (0755). ``compress`` gzips the layer (deterministically).
    """
    if not name or ":" in name.rsplit("/", 1)[-1] or "@" in name:
        raise ValueError(f"image name {name!r} must be a repository without tag or digest")
    if not tag or any(c in tag for c in ":/@ "):
        raise ValueError(f"image tag {tag!r} must be a plain tag such as v1.33.0")
    layer = _layer_tar(files)
    diff_id = _digest(layer)
    blob = gzip.compress(layer, compresslevel=6, mtime=0) if compress else layer
    config: dict[str, Any] = {
        "created": EPOCH,
        "architecture": arch,
        "os": "linux",
        "config": {"Env": list(env)},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": EPOCH, "created_by": "tests/support/oci.py", "comment": "test image"}],
    }
    if entrypoint is not None:
        config["config"]["Entrypoint"] = list(entrypoint)
    if cmd is not None:
        config["config"]["Cmd"] = list(cmd)
    config_bytes = _json(config)
    manifest = {
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": _descriptor(MEDIA_CONFIG, config_bytes),
        "layers": [_descriptor(MEDIA_LAYER_GZIP if compress else MEDIA_LAYER, blob)],
    }
    manifest_bytes = _json(manifest)
    index = {
        "schemaVersion": 2,
        "mediaType": MEDIA_INDEX,
        "manifests": [
            {
                **_descriptor(MEDIA_MANIFEST, manifest_bytes),
                "annotations": {ANNOTATION_CONTAINERD_NAME: f"{name}:{tag}", ANNOTATION_REF_NAME: tag},
                "platform": {"architecture": arch, "os": "linux"},
            }
        ],
    }
    entries: dict[str, bytes] = {
        "oci-layout": _json({"imageLayoutVersion": "1.0.0"}),
        "index.json": _json(index),
    }
    for data in (manifest_bytes, config_bytes, blob):
        entries["blobs/sha256/" + _digest(data).split(":", 1)[1]] = data
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    staged = out.with_name(out.name + ".partial")
    staged.write_bytes(_tar(entries, dirs=["blobs", "blobs/sha256"]))
    os.replace(staged, out)
    return out


def _layer_tar(files: Mapping[str, bytes | Path]) -> bytes:
    entries: dict[str, bytes] = {}
    modes: dict[str, int] = {}
    dirs: set[str] = set()
    for raw_path, content in files.items():
        rel = raw_path.strip("/")
        parts = rel.split("/")
        if not rel or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"image file path {raw_path!r} must be an absolute path without . or ..")
        if isinstance(content, Path):
            data = content.read_bytes()
            executable = bool(content.stat().st_mode & 0o111)
        else:
            data = bytes(content)
            executable = False
        executable = executable or data.startswith(b"#!") or (len(parts) > 1 and parts[-2] in ("bin", "sbin"))
        entries[rel] = data
        modes[rel] = 0o755 if executable else 0o644
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return _tar(entries, dirs=sorted(dirs), modes=modes)


def _tar(entries: Mapping[str, bytes], dirs: Sequence[str] = (), modes: Mapping[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for d in sorted(dirs):
            info = _info(d + "/", 0o755)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for rel in sorted(entries):
            data = entries[rel]
            info = _info(rel, (modes or {}).get(rel, 0o644))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _info(name: str, mode: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = mode
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def _json(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _descriptor(media_type: str, data: bytes) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": _digest(data), "size": len(data)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("name")
    parser.add_argument("tag")
    parser.add_argument("files", nargs="*", help="/path/in/image=local-file")
    parser.add_argument("--gzip", action="store_true")
    args = parser.parse_args()
    files: dict[str, bytes | Path] = {}
    for spec in args.files:
        inside, _, local = spec.partition("=")
        files[inside] = Path(local)
    print(oci_archive(args.path, args.name, args.tag, files, compress=args.gzip))


if __name__ == "__main__":
    main()
