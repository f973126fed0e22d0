"""The add-on charts and images of the test offline package.

The stand-in charts under ``tests/support/charts/`` (see its README: tests only, named and
versioned like the upstream charts the production package carries) are packaged with the real
helm, and each image the add-on roles refer to becomes a tiny OCI image archive of the same name
and tag (``tests/support/oci.py``): the package manifest's images list names them exactly as
containerd imports them, and the roles' values point at those names.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

import yaml

from tests.support.helm import helm_binary
from tests.support.oci import oci_archive

CHARTS = Path(__file__).resolve().parent / "charts"
# The add-on charts, by the names the roles look them up by in the manifest.
ADDON_CHARTS = ("flannel", "tigera-operator", "coredns", "metrics-server", "traefik",
                "kube-prometheus-stack", "loki", "alloy", "grafana")  # fmt: skip
# Image name -> tag, as the roles' defaults name them (network, coredns, metrics_server, ingress).
ADDON_IMAGES = {
    "ghcr.io/flannel-io/flannel": "v0.26.7",
    "ghcr.io/flannel-io/flannel-cni-plugin": "v1.6.2-flannel1",
    "quay.io/tigera/operator": "v1.36.7",
    "registry.k8s.io/coredns/coredns": "v1.12.1",
    "registry.k8s.io/metrics-server/metrics-server": "v0.7.2",
    "docker.io/library/traefik": "v3.3.6",
    # The monitoring add-on (playbooks/roles/monitoring), as the default versions file pins them.
    "quay.io/prometheus-operator/prometheus-operator": "v0.93.1",
    "quay.io/prometheus-operator/prometheus-config-reloader": "v0.93.1",
    "quay.io/prometheus/prometheus": "v3.14.0",
    "registry.k8s.io/kube-state-metrics/kube-state-metrics": "v2.20.0",
    "quay.io/prometheus/node-exporter": "v1.12.1",
    "docker.io/grafana/loki": "3.7.6",
    "docker.io/grafana/alloy": "v1.18.1",
    "docker.io/grafana/grafana": "13.2.0",
}
# Component versions of the manifest (what GET /api/v1/versions shows).
ADDON_COMPONENTS = {
    "flannel": "0.26.7",
    "calico": "3.29.3",
    "coredns": "1.12.1",
    "metrics-server": "0.7.2",
    "traefik": "3.3.6",
}
_IDLE = b"#!/bin/sh\n# TEST IMAGE: stands for %s; it only idles.\nexec sleep infinity\n"


def chart_versions() -> dict[str, str]:
    """Chart name -> version of the stand-ins."""
    return {name: str(yaml.safe_load((CHARTS / name / "Chart.yaml").read_text())["version"]) for name in ADDON_CHARTS}


def recipe_key() -> str:
    """A digest of everything the add-ons put into a package (charts' files, images), for the cache key."""
    digest = hashlib.sha256(repr(sorted(ADDON_IMAGES.items())).encode())
    for path in sorted(CHARTS.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(CHARTS).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def image_file(name: str) -> str:
    """The package path of an image archive: images/<last path segment>_<tag>.tar."""
    return f"images/{name.rsplit('/', 1)[-1]}_{ADDON_IMAGES[name]}.tar"


MONITORING_CHARTS = ("kube-prometheus-stack", "loki", "alloy", "grafana")
MONITORING_IMAGES = tuple(n for n in ADDON_IMAGES if "prometheus" in n or "grafana/" in n or "kube-state" in n)


def package_charts(names: tuple[str, ...], into: Path) -> None:
    """``helm package`` of stand-in charts into ``into`` (<name>-<version>.tgz)."""
    into.mkdir(parents=True, exist_ok=True)
    helm = str(helm_binary())
    with tempfile.TemporaryDirectory() as home:
        env = {"HOME": home, "HELM_CACHE_HOME": home, "HELM_CONFIG_HOME": home, "HELM_DATA_HOME": home}
        for name in names:
            subprocess.run(
                [helm, "package", str(CHARTS / name), "--destination", str(into)],
                check=True,
                capture_output=True,
                timeout=120,
                env={**env, "PATH": "/usr/bin:/bin"},
            )


def write_runnable_monitoring(root: Path, busybox: Path) -> list[dict[str, str]]:
    """The monitoring stand-in charts (root/charts) and its images as RUNNABLE stand-ins for a real
    kubelet (root/images): Debian's busybox idling under each name and tag the role pins, so that
    ``helm --wait`` sees every pod start. Returns the versions-file image entries (name, tag, file)."""
    package_charts(MONITORING_CHARTS, root / "charts")
    entries = []
    for name in MONITORING_IMAGES:
        tag = ADDON_IMAGES[name]
        oci_archive(root / image_file(name), name, tag, {"/bin/busybox": busybox, "/bin/sh": busybox},
                    entrypoint=["/bin/sh", "-c", "exec sleep 2147483647", "--"])  # fmt: skip
        entries.append({"name": name, "tag": tag, "file": image_file(name)})
    return entries


def write_addons(root: Path) -> dict[str, dict[str, str]]:
    """Put the charts (charts/<name>-<version>.tgz) and images under ``root``; return the manifest
    overrides (path -> name and version) that name the images as the roles refer to them."""
    package_charts(ADDON_CHARTS, root / "charts")
    overrides = {}
    for name, tag in ADDON_IMAGES.items():
        rel = image_file(name)
        binary = name.rsplit("/", 1)[-1]
        oci_archive(root / rel, name, tag, {f"/usr/local/bin/{binary}": _IDLE % name.encode()},
                    entrypoint=[f"/usr/local/bin/{binary}"])  # fmt: skip
        overrides[rel] = {"name": name, "version": tag}
    return overrides
