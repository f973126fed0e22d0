"""Indexes generated for an imported package: the apt index of ``debs/`` and the Helm index of ``charts/``.

The apt index is a flat repository that nodes use as
``deb [trusted=yes] <KO_REPOSITORY_URL>/packages/<version>-<arch>/debs ./``. The control file of each
.deb is read here with a small ar + tar reader (no dpkg needed on the server); a control archive
compressed with zstd, which Python cannot open, falls back to ``dpkg-deb -f`` when it is installed.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import io
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml


class IndexProblem(ValueError):
    """A file the index needs cannot be read; the message names it."""


@dataclass(frozen=True)
class Digests:
    size: int
    md5: str
    sha1: str
    sha256: str


def _control_member(path: Path) -> tuple[str, bytes]:
    """The name and bytes of the .deb's control archive (an ar member before the data)."""
    with path.open("rb") as fh:
        if fh.read(8) != b"!<arch>\n":
            raise IndexProblem(f"{path.name} is not a Debian package (no ar archive header)")
        while True:
            header = fh.read(60)
            if len(header) < 60:
                raise IndexProblem(f"{path.name} has no control archive")
            if header[58:60] != b"`\n":
                raise IndexProblem(f"{path.name} is not a valid Debian package (bad ar member header)")
            name = header[:16].decode("ascii", "replace").strip().rstrip("/")
            size = int(header[48:58].decode("ascii").strip() or 0)
            if name.startswith("control.tar"):
                return name, fh.read(size)
            fh.seek(size + (size % 2), 1)


def deb_control(path: Path) -> str:
    """The text of the control file of the .deb at ``path``."""
    name, blob = _control_member(path)
    if name.endswith(".zst"):
        return _dpkg_deb_control(path)
    try:
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:*") as tar:
            for member in tar:
                if member.name.lstrip("./") == "control" and member.isfile():
                    fh = tar.extractfile(member)
                    assert fh is not None
                    return fh.read().decode("utf-8")
    except (tarfile.TarError, EOFError, UnicodeDecodeError) as exc:
        raise IndexProblem(f"{path.name}: the control archive cannot be read ({exc})") from exc
    raise IndexProblem(f"{path.name} has no control file")


def _dpkg_deb_control(path: Path) -> str:
    if shutil.which("dpkg-deb") is None:
        raise IndexProblem(
            f"{path.name} has a zstd-compressed control archive, which needs dpkg-deb: "
            "install dpkg on the deployment server, or build the package from .debs compressed with xz or gzip"
        )
    proc = subprocess.run(["dpkg-deb", "-f", str(path)], capture_output=True, text=True, check=False, timeout=60)
    if proc.returncode != 0:
        raise IndexProblem(f"{path.name}: dpkg-deb -f failed: {proc.stderr.strip()}")
    return proc.stdout


def _fields(control: str) -> list[tuple[str, str]]:
    """Control fields in order, each value with its continuation lines as written."""
    fields: list[tuple[str, str]] = []
    for line in control.rstrip("\n").split("\n"):
        if not line.strip():
            continue
        if line[0] in " \t" and fields:
            name, value = fields[-1]
            fields[-1] = (name, value + "\n" + line)
        elif ":" in line:
            name, _, value = line.partition(":")
            fields.append((name.strip(), value.strip()))
    return fields


def packages_stanza(deb: Path, digests: Digests) -> str:
    fields = [(k, v) for k, v in _fields(deb_control(deb)) if k not in ("Filename", "Size", "MD5sum", "SHA1", "SHA256")]
    if not any(k == "Package" for k, _ in fields):
        raise IndexProblem(f"{deb.name}: the control file has no Package field")
    description = [(k, v) for k, v in fields if k == "Description"]
    rest = [(k, v) for k, v in fields if k != "Description"]
    extra = [
        ("Filename", f"./{deb.name}"),
        ("Size", str(digests.size)),
        ("MD5sum", digests.md5),
        ("SHA1", digests.sha1),
        ("SHA256", digests.sha256),
    ]
    return "".join(f"{k}: {v}\n" for k, v in [*rest, *extra, *description])


def write_apt_index(debs: Path, digests: dict[str, Digests], arch: str) -> int:
    """Packages, Packages.gz and Release in ``debs`` for the .debs listed in ``digests`` (by file name)."""
    stanzas = [packages_stanza(debs / name, digests[name]) for name in sorted(digests)]
    text = "\n".join(stanzas)
    (debs / "Packages").write_text(text, encoding="utf-8")
    (debs / "Packages.gz").write_bytes(gzip.compress(text.encode(), mtime=0))
    lines = [
        "Origin: KubeOperator",
        "Label: KubeOperator offline package",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        f"Architectures: {arch} all",
    ]
    for field, algo in (("MD5Sum", "md5"), ("SHA256", "sha256")):
        lines.append(f"{field}:")
        for name in ("Packages", "Packages.gz"):
            data = (debs / name).read_bytes()
            lines.append(f" {hashlib.new(algo, data).hexdigest()} {len(data)} {name}")
    (debs / "Release").write_text("\n".join(lines) + "\n")
    return len(stanzas)


def chart_yaml(chart: Path) -> dict[str, Any]:
    try:
        with tarfile.open(chart, "r:gz") as tar:
            for member in tar:
                parts = member.name.split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
                    fh = tar.extractfile(member)
                    assert fh is not None
                    data = yaml.safe_load(fh.read())
                    if isinstance(data, dict) and data.get("name") and data.get("version"):
                        return data
    except (tarfile.TarError, EOFError, yaml.YAMLError) as exc:
        raise IndexProblem(f"{chart.name} cannot be read as a Helm chart ({exc})") from exc
    raise IndexProblem(f"{chart.name} has no <chart>/Chart.yaml with a name and a version")


def write_chart_index(charts: Path, sha256s: dict[str, str]) -> int:
    """index.yaml in ``charts`` so that `helm repo add` / `helm pull` work against the repository."""
    now = datetime.now(UTC).isoformat()
    entries: dict[str, list[dict[str, Any]]] = {}
    for name in sorted(sha256s):
        meta = chart_yaml(charts / name)
        keep = ("apiVersion", "name", "version", "appVersion", "description", "type", "kubeVersion", "home")
        entry = {k: meta[k] for k in keep if k in meta}
        entry |= {"digest": sha256s[name], "created": now, "urls": [name]}
        entries.setdefault(str(meta["name"]), []).append(entry)
    index = {"apiVersion": "v1", "entries": entries, "generated": now}
    (charts / "index.yaml").write_text(yaml.safe_dump(index, sort_keys=False))
    return sum(len(v) for v in entries.values())
