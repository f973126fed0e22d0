"""The real test offline package (tests/support/real_package.py), checked without a lab.

It names the images as the cache's kubeadm lists them (but external etcd's and CoreDNS's, which it
does not carry), holds etcd >= 3.5.24 as etcd-server with Debian's etcd-client at its own version,
and kubeadm, kubelet, kubectl, helm, the CNI plugins and the OS packages. Without the real binaries
(KO_K8S_CACHE) it skips with one line saying what is missing and how to build it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from tests.support import addons
from tests.support.real_package import (
    IMAGE_BINARIES,
    PAUSE_VERSION,
    SKIP_PREFIX,
    TEST_IMAGE,
    RealPackageUnavailable,
    build_real_package,
    k8s_bin_dir,
)

pytestmark = [pytest.mark.realk8s, pytest.mark.timeout(900)]  # a first build hashes and writes ~800 MB


def _real_package() -> Path:
    try:
        return build_real_package()
    except RealPackageUnavailable as exc:
        pytest.skip(f"{SKIP_PREFIX}: {exc}")


def test_the_real_package_carries_what_kubeadm_lists_etcd_3_6_and_the_cni_plugins() -> None:
    """No lab needed: the package names the images as kubeadm lists them, etcd >= 3.5.24 as etcd-server."""
    package = _real_package()
    version, bin_dir = k8s_bin_dir()
    manifest = yaml.safe_load((package / "manifest.yaml").read_text())
    listed = subprocess.run(
        [str(bin_dir / "kubeadm"), "config", "images", "list", "--kubernetes-version", f"v{version}"],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()  # fmt: skip
    images = {f"{a['name']}:{a['version']}" for a in manifest["artifacts"] if a["kind"] == "image"}
    # External etcd (the etcd phase) and CoreDNS (none can be had here) are the only ones not carried;
    # the test busybox and the monitoring add-on's stand-ins (busybox under its images' names) are added.
    monitoring = {f"{n}:{addons.ADDON_IMAGES[n]}" for n in addons.MONITORING_IMAGES}
    assert {i for i in listed if "/etcd:" not in i and "/coredns" not in i} | {
        f"{TEST_IMAGE}:{manifest['components']['test-busybox']}"
    } | monitoring == images, (listed, images)
    charts = {a["name"] for a in manifest["artifacts"] if a["kind"] == "chart"}
    assert charts == set(addons.MONITORING_CHARTS), charts
    assert f"registry.k8s.io/pause:{PAUSE_VERSION}" in listed
    components = manifest["components"]
    assert components["kubernetes"] == version
    assert tuple(int(p) for p in components["etcd"].split(".")) >= (3, 5, 24), components
    assert components["etcd-client"].startswith("3."), components
    names = {(a["kind"], a["name"]) for a in manifest["artifacts"]}
    assert {("binary", b) for b in ("kubeadm", "kubelet", "kubectl", "helm", "cni-plugins")} <= names
    assert {("deb", d) for d in ("containerd", "runc", "etcd-server", "etcd-client", "haproxy", "keepalived")} <= names
    etcd_server = [a for a in manifest["artifacts"] if a["name"] == "etcd-server"]
    assert [a["version"].split("-")[0] for a in etcd_server] == [components["etcd"]], etcd_server
    assert {f"registry.k8s.io/{n}:v{version}" for n in IMAGE_BINARIES} <= images
