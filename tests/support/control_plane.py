"""The control-plane images and the kubectl and helm binaries of the test offline package.

- Images (``tests/support/oci.py`` archives, named as kubeadm names them):
  ``registry.k8s.io/kube-apiserver:v<version>`` holds the fake API server
  (``tests/fakes/kube-apiserver-fake``) as ``/usr/local/bin/kube-apiserver``;
  ``kube-controller-manager``, ``kube-scheduler``, ``kube-proxy`` (same tag) and
  ``registry.k8s.io/pause:<PAUSE_VERSION>`` hold ``tests/fakes/idle-fake`` under the real name.
- Binaries: the real ``kubectl`` (1.33) and ``helm`` (v4) of ``tests/support/helm.py`` as
  ``bin/kubectl`` and ``bin/helm``, with their own versions as components ``kubectl`` and ``helm``.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

from tests.support.helm import helm_binary, kubectl_binary
from tests.support.oci import oci_archive

FAKES = Path(__file__).resolve().parents[1] / "fakes"
APISERVER_FAKE = FAKES / "kube-apiserver-fake"
IDLE_FAKE = FAKES / "idle-fake"
PAUSE_VERSION = "3.10"
REGISTRY = "registry.k8s.io"
IDLE_COMPONENTS = ("kube-controller-manager", "kube-scheduler", "kube-proxy")


def _fake(path: Path, kubernetes_version: str) -> bytes:
    return path.read_bytes().replace(b"@KUBERNETES_VERSION@", kubernetes_version.encode())


def recipe_key() -> str:
    """A digest of what goes into the images and of the binaries' identity, for the cache key."""
    digest = hashlib.sha256(b"control-plane 1\0" + PAUSE_VERSION.encode())
    for path in (APISERVER_FAKE, IDLE_FAKE):
        digest.update(path.read_bytes())
    for binary in (kubectl_binary(), helm_binary()):
        digest.update(f"{binary.name} {binary.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def binary_versions() -> dict[str, str]:
    """Component -> version of the shipped kubectl and helm (1.33.9, 4.1.4)."""
    kubectl = subprocess.run(
        [str(kubectl_binary()), "version", "--client", "-o", "json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    helm = subprocess.run(
        [str(helm_binary()), "version", "--short"], check=True, capture_output=True, text=True, timeout=30
    ).stdout
    return {"kubectl": _semver(kubectl), "helm": _semver(helm)}


def _semver(text: str) -> str:
    m = re.search(r"v(\d+\.\d+\.\d+)", text)
    if not m:
        raise ValueError(f"no version in {text!r}")
    return m.group(1)


def write_control_plane(root: Path, kubernetes_version: str, *, binaries: bool = True) -> dict[str, dict[str, str]]:
    """Write the control-plane images (and with ``binaries`` bin/kubectl and bin/helm, 120 MB)
    under ``root``; return the manifest overrides (path -> name and version)."""
    tag = f"v{kubernetes_version}"
    overrides: dict[str, dict[str, str]] = {}
    versions = binary_versions() if binaries else {}
    (root / "bin").mkdir(parents=True, exist_ok=True)
    for name, binary in (("kubectl", kubectl_binary()), ("helm", helm_binary())) if binaries else ():
        target = root / "bin" / name
        target.write_bytes(binary.read_bytes())
        target.chmod(0o755)
        overrides[f"bin/{name}"] = {"name": name, "version": versions[name]}
    images = {
        "kube-apiserver": (tag, {"/usr/local/bin/kube-apiserver": _fake(APISERVER_FAKE, kubernetes_version)}),
        **{c: (tag, {f"/usr/local/bin/{c}": _fake(IDLE_FAKE, kubernetes_version)}) for c in IDLE_COMPONENTS},
        "pause": (PAUSE_VERSION, {"/pause": _fake(IDLE_FAKE, kubernetes_version)}),
    }
    for component, (version, files) in images.items():
        rel = f"images/{component}_{version}.tar"
        [entry] = files
        oci_archive(root / rel, f"{REGISTRY}/{component}", version, files, entrypoint=[entry])
        overrides[rel] = {"name": f"{REGISTRY}/{component}", "version": version}
    return overrides


def components(*, binaries: bool = True) -> dict[str, str]:
    """The manifest components the control plane adds (pause, and kubectl and helm with ``binaries``)."""
    return {**(binary_versions() if binaries else {}), "pause": PAUSE_VERSION}
