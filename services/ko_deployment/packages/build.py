"""Write ``manifest.yaml`` for a directory of artifacts laid out as docs/offline-package.md says.

The directory holds ``bin/`` (binaries), ``images/`` (image archives), ``charts/`` (Helm charts,
.tgz), ``debs/``, ``rpms/`` and ``terraform-providers/`` (a Terraform filesystem mirror, the provider
named by its path). Sizes and sha256 are computed; names and versions come from the
files where they carry them (a .deb's control file, a chart's Chart.yaml, ``<name>_<version>.tar``
for images), otherwise from the input (``artifacts: {bin/kubeadm: {name: kubeadm, version: ...}}``),
otherwise a binary takes the version of the component of its name, else the Kubernetes version.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path
from typing import Any

import yaml

from ko_deployment.packages import indexes, rpm_header
from ko_deployment.packages.manifest import (
    API_VERSION,
    MANIFEST_NAME,
    PROVIDERS_DIR,
    Manifest,
    ManifestError,
    is_generated,
    parse_manifest,
    provider_path,
)

FOLDERS = {
    "bin": "binary",
    "images": "image",
    "charts": "chart",
    "debs": "deb",
    "rpms": "rpm",
    PROVIDERS_DIR: "terraform-provider",
}
_RPM_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "noarch": "all"}


class BuildError(ValueError):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _control(deb: Path) -> dict[str, str]:
    fields = {}
    for line in indexes.deb_control(deb).splitlines():
        if line and line[0] not in " \t" and ":" in line:
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


def _identity(path: Path, kind: str, spec: dict[str, Any]) -> tuple[str, str | None, str]:
    """Name, version and arch as the file says them, where it carries them."""
    arch = spec["arch"]
    name, version = path.name, None
    if kind == "deb":
        control = _control(path)
        name, version, arch = control["Package"], control["Version"], control.get("Architecture", arch)
    elif kind == "rpm" and path.name.endswith(".rpm"):
        rpm = rpm_header.read_rpm(path)
        name, version, arch = rpm.name, rpm.evr, _RPM_ARCH.get(rpm.arch, rpm.arch)
    elif kind == "chart":
        meta = indexes.chart_yaml(path)
        name, version = str(meta["name"]), str(meta["version"])
    elif kind == "image" and path.name.endswith(".tar") and "_" in path.name:
        name, _, version = path.name.removesuffix(".tar").rpartition("_")
    elif kind == "binary":
        version = spec.get("components", {}).get(name) or spec["kubernetesVersion"]
    return name, version, arch


def _describe(root: Path, rel: str, kind: str, spec: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    path = root / rel
    version: str | None
    if kind == "terraform-provider":  # its path says which provider it is (the mirror's layout)
        try:
            provider = provider_path(rel)
        except ValueError as exc:
            raise BuildError(str(exc)) from exc
        name, version, arch = provider.source, provider.version, provider.arch
    else:
        try:
            name, version, arch = _identity(path, kind, spec)
        except indexes.IndexProblem as exc:  # a damaged .deb, .rpm or chart: the sentence names the file
            raise BuildError(str(exc)) from exc
    given = overrides.get(rel, {})
    name, version = given.get("name", name), given.get("version", version)
    if not version:
        raise BuildError(
            f"{rel}: no version: name it <name>_<version>.tar or give artifacts: {{{rel}: {{version: ...}}}}"
        )
    return {
        "kind": kind,
        "name": name,
        "version": str(version),
        "arch": given.get("arch", arch),
        "path": rel,
        "sha256": sha256_of(path),
        "size": path.stat().st_size,
    }


def build_manifest(root: Path, spec: dict[str, Any]) -> Manifest:
    """The manifest of the artifacts under ``root``; ``spec`` holds kubernetesVersion, arch, components, ..."""
    overrides = dict(spec.get("artifacts") or {})
    artifacts = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() or p.is_symlink()):
        rel = path.relative_to(root).as_posix()
        if rel == MANIFEST_NAME or is_generated(rel) or any(part.startswith(".") for part in rel.split("/")):
            continue
        kind = FOLDERS.get(rel.split("/", 1)[0]) if "/" in rel else None
        if kind is None:
            raise BuildError(f"{rel}: put each artifact under one of {', '.join(f + '/' for f in FOLDERS)}")
        artifacts.append(_describe(root, rel, kind, spec, overrides))
    unknown = set(overrides) - {a["path"] for a in artifacts}
    if unknown:
        raise BuildError(f"artifacts given in the input but not found under {root}: {', '.join(sorted(unknown))}")
    data = {
        "apiVersion": API_VERSION,
        "kubernetesVersion": spec.get("kubernetesVersion"),
        "arch": spec.get("arch"),
        "description": spec.get("description", ""),
        "components": dict(spec.get("components") or {}),
        "requires": dict(spec.get("requires") or {}),
        "artifacts": artifacts,
    }
    return parse_manifest(yaml.safe_dump(data))


def write_manifest(root: Path, spec: dict[str, Any]) -> Manifest:
    manifest = build_manifest(root, spec)
    (root / MANIFEST_NAME).write_text(manifest.to_yaml())
    return manifest


def write_tarball(root: Path, out: Path) -> Path:
    """A tarball of the package (gzip if ``out`` ends .gz/.tgz) with manifest.yaml first, so an import
    reads it without unpacking the rest. Only the manifest and its artifacts go in."""
    manifest = parse_manifest((root / MANIFEST_NAME).read_bytes())
    mode = "w:gz" if out.name.endswith((".gz", ".tgz")) else "w"
    tmp = out.with_name(out.name + ".partial")
    with tarfile.open(tmp, mode, dereference=True) as tar:  # type: ignore[call-overload]
        text = (root / MANIFEST_NAME).read_bytes()
        info = tarfile.TarInfo(MANIFEST_NAME)
        info.size, info.mode = len(text), 0o644
        tar.addfile(info, io.BytesIO(text))
        for artifact in manifest.artifacts:
            tar.add(root / artifact.path, arcname=artifact.path, recursive=False)
    tmp.replace(out)
    return out


__all__ = ["BuildError", "ManifestError", "build_manifest", "sha256_of", "write_manifest", "write_tarball"]
