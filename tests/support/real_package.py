"""A real offline package for the real-cluster lab tests, built by the product's own builder.

Inputs (nothing is downloaded except, once, Debian's busybox-static .deb with this machine's apt):

- the Kubernetes binaries built from source into ``<KO_K8S_CACHE or /var/cache/kubeoperator-k8s>/
  <newest version>/bin`` (checked against its ``SHA256SUMS``): kubeadm, kubelet, kubectl as binaries;
  kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy and pause as images named as
  ``kubeadm config images list`` prints them (tests/support/oci.py archives, which ctr imports by
  name). kube-proxy's image also holds Debian's iptables 1.8 (nft backend, under the names
  kube-proxy calls), its libraries and its extension modules, from the lab's .debs and base system;
- etcd: the cache's etcd 3.6 server as a .deb named ``etcd-server`` 3.6.x (made here with dpkg-deb:
  the binary, etcd 3.6's etcdutl (restores), a unit, the ``etcd`` user), installed by the etcd role
  as Debian's would be. Debian's
  ``etcd-client`` 3.4 stays at its own version (component ``etcd-client``): its etcdctl talks to
  etcd 3.6, and no etcdctl 3.6 is built;
- containerd: when the cache's ``<version>/bin`` also holds containerd 2's ``containerd``,
  ``containerd-shim-runc-v2`` and ``ctr`` (in its ``SHA256SUMS``; built from containerd's source, README
  "Real Kubernetes for development"), upstream's release archive made of them
  (``containerd-<v>-linux-amd64.tar.gz`` with ``bin/...``, a local source of the same builder), which the
  containerd role unpacks under /usr/local; else Debian's containerd 1.6 .deb. ``KO_REAL_CONTAINERD=archive``
  or ``deb`` chooses (default: archive when the binaries are there); the package is cached per choice;
- runc, haproxy, keepalived, etcd-client and their dependencies: the lab's .debs
  (tests/lab/lab.py ``deb_repository``); runc is Debian's 1.1.5 with either containerd;
- the CNI plugins: Debian's ``containernetworking-plugins`` (bridge, host-local, loopback, ...)
  repacked as the ``cni-plugins`` archive the kubernetes_components role unpacks into /opt/cni/bin;
- helm from tests/support/helm.py;
- a test image ``ko.test/busybox:<version>`` holding Debian's busybox-static, for pods that run a
  process (no general-purpose image exists here).

No CoreDNS, flannel, Calico, Traefik or metrics-server image exists: clusters from this package
use network plugin none, addons.coredns false, addons.metrics_server false, ingress off. The
monitoring add-on's stand-in charts (tests/support/charts) are in it, with busybox idling under the
names of the images its role pins (TEST IMAGES: the Day-2 install is checked, not Prometheus).

The sources are staged with a versions file and built with ``python -m ko_deployment.packages build
--versions ... --offline`` (the same builder as every package). Packages are cached by content under
the lab's cache directory: a test session builds one once, ever.

    python -m tests.support.real_package [--tarball]
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import yaml

from ko_deployment.packages.__main__ import main as packages_cli
from ko_deployment.packages.assemble import upstream_version
from tests.lab import lab
from tests.support import addons, kube_control_plane
from tests.support.helm import helm_binary
from tests.support.oci import oci_archive
from tests.support.offline_package import PackageUnavailable, _lock, deb_directory, package_tarball

K8S_CACHE = Path(os.environ.get("KO_K8S_CACHE", "/var/cache/kubeoperator-k8s"))
BINARIES = ("kubeadm", "kubelet", "kubectl")
IMAGE_BINARIES = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy")
REGISTRY = "registry.k8s.io"
PAUSE_VERSION = "3.10.2"  # what kubeadm 1.36 names
TEST_IMAGE = "ko.test/busybox"
# Bumped when the layout or the recipe below changes, so an old cache is not reused.
RECIPE_VERSION = "1"
CACHE = lab.CACHE_DIR / "real-packages"
# Skips say it as the real control plane's do, so that the run's one loud line (tests/conftest.py) counts them.
SKIP_PREFIX = f"{kube_control_plane.SKIP_PREFIX} nor real offline package"
BUILD_HINT = (
    "build Kubernetes from source as ../shared/docs/real-kubernetes.md describes, with etcd 3.6 and its "
    "etcdutl (README, 'Real Kubernetes for development')"
)
# containerd 2's binaries, optional (KO_REAL_CONTAINERD): the archive the package carries holds them under bin/.
CONTAINERD_BINARIES = ("containerd", "containerd-shim-runc-v2", "ctr")
CONTAINERD_FORMS = ("archive", "deb")
# etcd 3.6's server, and etcdutl of the same release (snapshot restore: etcdctl 3.4 makes data etcd 3.6
# cannot start from).
ETCD_BINARIES = ("etcd", "etcdutl")
# kube-proxy's iptables: these packages' files (from the lab's .debs, else the base system).
IPTABLES_PACKAGES = (
    "iptables", "libip4tc2", "libip6tc2", "libxtables12", "libnftnl11", "libmnl0",
    "libnetfilter-conntrack3", "libnfnetlink0", "libc6",
)  # fmt: skip
# The names kube-proxy runs (copies of xtables-nft-multi, which dispatches on its own name).
IPTABLES_NAMES = tuple(
    f"{family}{suffix}" for family in ("iptables", "ip6tables") for suffix in ("", "-save", "-restore", "-nft")
)
ETCD_UNIT = """\
[Unit]
Description=etcd - highly-available key value store ({version}, built from source for the tests)
Documentation=https://etcd.io/docs
After=network.target
Wants=network-online.target

[Service]
Environment=DAEMON_ARGS=
Environment=ETCD_NAME=%H
Environment=ETCD_DATA_DIR=/var/lib/etcd/default
EnvironmentFile=-/etc/default/%p
# This etcd does not notify systemd when it is ready (Debian's does): the role's health check waits.
Type=simple
User=etcd
PermissionsStartOnly=true
ExecStart=/usr/bin/etcd $DAEMON_ARGS
Restart=on-abnormal
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
"""
ETCD_POSTINST = """\
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if ! getent passwd etcd >/dev/null 2>&1; then
        adduser --system --group --disabled-login --disabled-password --home /var/lib/etcd/ etcd
    fi
    mkdir -p -m 700 /var/lib/etcd
    chmod 700 /var/lib/etcd
    if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
fi
"""
ETCD_PRERM = """\
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then systemctl stop etcd.service >/dev/null || true; fi
"""
ETCD_POSTRM = """\
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null || true; fi
if [ "$1" = purge ]; then
    deluser --system etcd >/dev/null 2>&1 || true
    rm -rf /var/lib/etcd
fi
"""


class RealPackageUnavailable(PackageUnavailable):
    """No real Kubernetes binaries here (or a part the package needs): the real tests skip."""


def k8s_versions(cache: Path = K8S_CACHE) -> list[tuple[str, Path]]:
    """Every ``<version>/bin`` of the cache holding every binary the package needs, oldest first."""
    needed = (*BINARIES, *IMAGE_BINARIES, *ETCD_BINARIES, "pause")

    def key(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in path.name.split("."))

    versions = sorted((d for d in cache.glob("*.*.*") if all(p.isdigit() for p in d.name.split("."))), key=key)
    return [
        (version.name, version / "bin")
        for version in versions
        if all(os.access(version / "bin" / n, os.X_OK) for n in needed) and (version / "SHA256SUMS").is_file()
    ]


def k8s_bin_dir(cache: Path = K8S_CACHE) -> tuple[str, Path]:
    """The oldest complete ``<version>/bin`` of the cache: what every real cluster is deployed with (a
    newer one, when there is one, is what the upgrade test goes to)."""
    found = k8s_versions(cache)
    if found:
        return found[0]
    needed = ", ".join((*BINARIES, *IMAGE_BINARIES, *ETCD_BINARIES, "pause"))
    raise RealPackageUnavailable(
        f"no real Kubernetes binaries in {cache}/<version>/bin ({needed} and ../SHA256SUMS): "
        f"{BUILD_HINT}, or point KO_K8S_CACHE at such a cache"
    )


def _sums(bin_dir: Path) -> dict[str, str]:
    wanted = {}
    for line in (bin_dir.parent / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            sha, name = line.split(None, 1)
            wanted[name.strip().lstrip("*")] = sha
    return wanted


def containerd_form(bin_dir: Path) -> str:
    """How the real package carries containerd: ``archive`` (the cache's containerd 2 binaries) or ``deb``
    (Debian's 1.6), as KO_REAL_CONTAINERD says; by default archive when the binaries are there."""
    asked = os.environ.get("KO_REAL_CONTAINERD", "").strip()
    if asked and asked not in CONTAINERD_FORMS:
        raise RealPackageUnavailable(f"KO_REAL_CONTAINERD={asked!r}: use archive or deb (or leave it unset)")
    listed = set(_sums(bin_dir))
    present = all(os.access(bin_dir / n, os.X_OK) and n in listed for n in CONTAINERD_BINARIES)
    if asked == "archive" and not present:
        raise RealPackageUnavailable(
            f"KO_REAL_CONTAINERD=archive, but {bin_dir} lacks containerd 2's {', '.join(CONTAINERD_BINARIES)} "
            "(or ../SHA256SUMS does not list them): build them from containerd's source (README, 'Real Kubernetes "
            "for development'), or unset KO_REAL_CONTAINERD for Debian's containerd"
        )
    return asked or ("archive" if present else "deb")


def _checked_binaries(bin_dir: Path, containerd: str) -> None:
    """Every binary of ``bin_dir`` matches ../SHA256SUMS (a half-written build is refused)."""
    wanted = _sums(bin_dir)
    extra = CONTAINERD_BINARIES if containerd == "archive" else ()
    for name in (*BINARIES, *IMAGE_BINARIES, *ETCD_BINARIES, "pause", *extra):
        digest = hashlib.sha256()
        with open(bin_dir / name, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        if wanted.get(name) != digest.hexdigest():
            raise RealPackageUnavailable(
                f"{bin_dir / name} does not match {bin_dir.parent / 'SHA256SUMS'}: {BUILD_HINT}"
            )


def _run(*argv: str, cwd: Path | None = None) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=cwd)
    if result.returncode != 0:
        raise RealPackageUnavailable(f"{' '.join(argv)} failed: {result.stderr.strip()[-600:]}")
    return result.stdout


def _binary_version(binary: Path, *args: str) -> str:
    out = _run(str(binary), *args)
    found = re.search(r"\bv?(\d+\.\d+\.\d+)", out)
    if found is None:
        raise RealPackageUnavailable(f"no version in the output of {binary}: {out[:200]!r}")
    return found.group(1)


def busybox_deb() -> Path:
    """Debian's busybox-static .deb, fetched once with this machine's apt into the lab's cache."""
    target = lab.CACHE_DIR / "test-images"
    found = sorted(target.glob("busybox-static_*.deb"))
    if found:
        return found[-1]
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target) as tmp:
        _run("apt-get", "download", "busybox-static", cwd=Path(tmp))
        [deb] = Path(tmp).glob("busybox-static_*.deb")
        os.replace(deb, target / deb.name)
    return sorted(target.glob("busybox-static_*.deb"))[-1]


def _deb_field(deb: Path, field: str) -> str:
    return _run("dpkg-deb", "-f", str(deb), field).strip()


def _extract(deb: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    _run("dpkg-deb", "-x", str(deb), str(into))
    return into


def _package_files(name: str, debs: Path, base: Path, scratch: Path) -> tuple[Path, list[str]]:
    """(root, paths inside it) of Debian package ``name``: its .deb in ``debs``, else as installed in ``base``."""
    found = sorted(debs.glob(f"{name}_*.deb"))
    if found:
        root = _extract(found[-1], scratch / name)
        return root, [str(p.relative_to(root)) for p in sorted(root.rglob("*")) if not p.is_dir()]
    listing = next((base / "var/lib/dpkg/info" / f"{name}{arch}.list" for arch in (":amd64", "")
                    if (base / "var/lib/dpkg/info" / f"{name}{arch}.list").exists()), None)  # fmt: skip
    if listing is None:
        raise RealPackageUnavailable(f"{name} is neither among the lab's .debs ({debs}) nor installed in {base}")
    paths = [line.strip().lstrip("/") for line in listing.read_text().splitlines() if line.strip() not in ("", "/.")]
    return base, [p for p in paths if (base / p).is_file()]  # is_file follows links: directories drop out


def _inside(root: Path, rel: str) -> Path:
    """``rel`` under ``root`` with every symbolic link followed inside ``root`` (an absolute target
    names ``root``'s file, not this machine's)."""
    parts = [p for p in rel.split("/") if p]
    current = root
    for _ in range(256):
        if not parts:
            return current
        current = current / parts.pop(0)
        if current.is_symlink():
            target = os.readlink(current)
            parts = [p for p in target.split("/") if p] + parts
            current = root if target.startswith("/") else current.parent
    raise RealPackageUnavailable(f"{rel} in {root}: too many symbolic links")


def _proxy_files(kube_proxy: Path, debs: Path, base: Path, scratch: Path) -> dict[str, bytes | Path]:
    """kube-proxy and the iptables it runs: binaries, libraries and extension modules."""
    files: dict[str, bytes | Path] = {"/usr/local/bin/kube-proxy": kube_proxy}
    multi: Path | None = None
    for name in IPTABLES_PACKAGES:
        root, paths = _package_files(name, debs, base, scratch)
        for rel in paths:
            library = "x86_64-linux-gnu/" in rel and ".so" in rel and "/gconv/" not in rel
            if library or rel.startswith(("lib64/", "usr/lib64/")):
                files["/" + rel] = _inside(root, rel)  # a link becomes a copy: the layer holds files only
            if rel.endswith("sbin/xtables-nft-multi"):
                multi = root / rel
    if multi is None:
        raise RealPackageUnavailable("the iptables .deb holds no xtables-nft-multi")
    for command in ("xtables-nft-multi", *IPTABLES_NAMES):
        files[f"/usr/sbin/{command}"] = multi
    netbase = sorted(debs.glob("netbase_*.deb"))
    if netbase:  # /etc/protocols, for rules naming a protocol
        files["/etc/protocols"] = _extract(netbase[-1], scratch / "netbase") / "etc/protocols"
    return files


def _etcd_deb(etcd: Path, version: str, out_dir: Path, scratch: Path) -> Path:
    """An ``etcd-server`` .deb of ``version`` holding ``etcd``, a unit and the ``etcd`` user."""
    root = scratch / "etcd-server"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "usr/bin").mkdir(parents=True)
    (root / "lib/systemd/system").mkdir(parents=True)
    shutil.copy2(etcd, root / "usr/bin/etcd")
    shutil.copy2(etcd.with_name("etcdutl"), root / "usr/bin/etcdutl")
    (root / "lib/systemd/system/etcd.service").write_text(ETCD_UNIT.format(version=version))
    (root / "DEBIAN/control").write_text(
        f"Package: etcd-server\nVersion: {version}-0ko1\nArchitecture: amd64\nMaintainer: KubeOperator tests\n"
        "Depends: adduser\nSuggests: etcd-client\nSection: net\nPriority: optional\n"
        f"Description: etcd {version} server built from source (KubeOperator's real-cluster tests)\n"
        " The etcd server of the Kubernetes source tree's vendored etcd packages.\n"
    )
    for script, text in (("postinst", ETCD_POSTINST), ("prerm", ETCD_PRERM), ("postrm", ETCD_POSTRM)):
        (root / "DEBIAN" / script).write_text(text)
        (root / "DEBIAN" / script).chmod(0o755)
    out = out_dir / f"etcd-server_{version}-0ko1_amd64.deb"
    _run("dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(out))
    return out


def _cni_archive(deb: Path, out: Path, scratch: Path) -> str:
    """The plugins of ``deb`` (/usr/lib/cni/*) as a flat .tgz (the upstream layout); their version."""
    plugins = _extract(deb, scratch / "cni") / "usr/lib/cni"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for plugin in sorted(plugins.iterdir()):
            info = tar.gettarinfo(str(plugin), arcname=plugin.name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "root", "root"
            with open(plugin, "rb") as fh:
                tar.addfile(info, fh)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(gzip.compress(buf.getvalue(), compresslevel=6, mtime=0))
    return str(upstream_version(_deb_field(deb, "Version")))


def _containerd_archive(bin_dir: Path, out: Path) -> str:
    """Upstream's layout (bin/containerd, bin/containerd-shim-runc-v2, bin/ctr) as a .tar.gz of the same
    bytes every time; the binaries' version."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in CONTAINERD_BINARIES:
            info = tar.gettarinfo(str(bin_dir / name), arcname=f"bin/{name}")
            info.mtime, info.uid, info.gid, info.uname, info.gname, info.mode = 0, 0, 0, "root", "root", 0o755
            with open(bin_dir / name, "rb") as fh:
                tar.addfile(info, fh)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(gzip.compress(buf.getvalue(), compresslevel=6, mtime=0))
    return _binary_version(bin_dir / "containerd", "--version")


def _recipe_key(version: str, bin_dir: Path, debs: Path, busybox: Path, containerd: str) -> str:
    text = "\n".join(
        [
            RECIPE_VERSION,
            version,
            f"containerd {containerd}",
            (bin_dir.parent / "SHA256SUMS").read_text(),
            *(f"{d.name} {d.stat().st_size}" for d in sorted(debs.glob("*.deb"))),
            f"{busybox.name} {busybox.stat().st_size}",
            f"helm {helm_binary().stat().st_size}",
            Path(__file__).read_text(),
            (Path(__file__).with_name("oci.py")).read_text(),
            addons.recipe_key(),
            Path(addons.__file__).read_text(),
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _stage(sources: Path, version: str, bin_dir: Path, debs: Path, busybox: Path, containerd: str) -> Path:
    """Every input under ``sources`` and the versions file naming them; returns the versions file."""
    scratch = sources / ".scratch"
    base = lab.base_rootfs()
    images: dict[str, tuple[str, dict[str, bytes | Path], list[str]]] = {
        f"{REGISTRY}/{name}": (f"v{version}", {f"/usr/local/bin/{name}": bin_dir / name}, [f"/usr/local/bin/{name}"])
        for name in IMAGE_BINARIES
    }
    images[f"{REGISTRY}/kube-proxy"] = (
        f"v{version}", _proxy_files(bin_dir / "kube-proxy", debs, base, scratch), ["/usr/local/bin/kube-proxy"]
    )  # fmt: skip
    images[f"{REGISTRY}/pause"] = (PAUSE_VERSION, {"/pause": bin_dir / "pause"}, ["/pause"])
    busybox_version = str(upstream_version(_deb_field(busybox, "Version")))
    busybox_bin = _extract(busybox, scratch / "busybox") / "bin/busybox"
    images[TEST_IMAGE] = (busybox_version, {"/bin/busybox": busybox_bin, "/bin/sh": busybox_bin}, ["/bin/sh"])
    for name, (tag, files, entrypoint) in images.items():
        oci_archive(
            sources / "images" / f"{name.rsplit('/', 1)[-1]}_{tag}.tar", name, tag, files, entrypoint=entrypoint
        )

    (sources / "debs").mkdir(parents=True)
    for deb in debs.glob("*.deb"):
        if not deb.name.startswith("etcd-server_"):  # Debian's 3.4 is too old for kubeadm 1.36
            os.link(deb, sources / "debs" / deb.name)
    etcd_version = _binary_version(bin_dir / "etcd", "--version")
    _etcd_deb(bin_dir / "etcd", etcd_version, sources / "debs", scratch)
    [cni_deb] = debs.glob("containernetworking-plugins_*.deb")
    cni_version = _cni_archive(cni_deb, sources / "cni-plugins.tgz", scratch)
    monitoring = addons.write_runnable_monitoring(sources, busybox_bin)
    shutil.rmtree(scratch)
    containerd_spec: dict[str, Any] = {"packages": ["containerd"]}
    if containerd == "archive":
        containerd_spec = {
            "version": _containerd_archive(bin_dir, sources / "containerd.tar.gz"),
            "files": [{"path": "bin/containerd-{version}-linux-{arch}.tar.gz", "name": "containerd",
                       "file": "containerd.tar.gz"}],
        }  # fmt: skip

    def image(name: str, tag: str) -> dict[str, str]:
        return {"name": name, "tag": tag, "file": f"images/{name.rsplit('/', 1)[-1]}_{tag}.tar"}

    spec: dict[str, Any] = {
        "apiVersion": "kubeoperator.io/package-versions/v1",
        "kubernetesVersion": version,
        "arch": "amd64",
        "description": "REAL TEST PACKAGE: Kubernetes {kubernetes_version} built from source, Debian's .debs, "
        f"etcd {etcd_version} as etcd-server, containerd as {containerd}",
        "components": {
            "kubernetes": {
                "version": "{kubernetes_version}",
                "files": [{"path": f"bin/{b}", "file": str(bin_dir / b)} for b in BINARIES],
                "images": [image(f"{REGISTRY}/{n}", f"v{version}") for n in IMAGE_BINARIES],
            },
            "pause": {"version": PAUSE_VERSION, "images": [image(f"{REGISTRY}/pause", PAUSE_VERSION)]},
            "cni-plugins": {
                "version": cni_version,
                "files": [
                    {
                        "path": "bin/cni-plugins-linux-{arch}-v{version}.tgz",
                        "name": "cni-plugins",
                        "file": "cni-plugins.tgz",
                    }
                ],
            },
            "helm": {
                "version": _binary_version(helm_binary(), "version", "--short"),
                "files": [{"path": "bin/helm", "file": str(helm_binary())}],
            },
            "test-busybox": {"version": busybox_version, "images": [image(TEST_IMAGE, busybox_version)]},
            # The monitoring add-on's stand-in charts with busybox idling under its images' names.
            "monitoring-stand-ins": {"version": addons.recipe_key(), "images": monitoring},
            "containerd": containerd_spec,
            "runc": {"packages": ["runc"]},
            "etcd": {"version": etcd_version, "packages": ["etcd-server"]},
            "etcd-client": {"packages": ["etcd-client"]},
            "haproxy": {"packages": ["haproxy"]},
            "keepalived": {"packages": ["keepalived"]},
        },
        "directories": [
            {"from": "debs", "into": "debs", "pattern": "*.deb"},
            {"from": "charts", "into": "charts", "pattern": "*.tgz"},
        ],
    }
    versions = sources / "versions.yaml"
    versions.write_text(yaml.safe_dump(spec, sort_keys=False))
    return versions


def build_real_package(version: str | None = None) -> Path:
    """The package directory of `version` (default: k8s_bin_dir's), cached by content;
    RealPackageUnavailable when it cannot be made here."""
    if version is None:
        version, bin_dir = k8s_bin_dir()
    else:
        bin_dir = dict(k8s_versions()).get(version) or K8S_CACHE / version / "bin"
        if version not in dict(k8s_versions()):
            raise RealPackageUnavailable(f"no real Kubernetes {version} binaries in {bin_dir}: {BUILD_HINT}")
    debs = deb_directory()
    if not list(debs.glob("containernetworking-plugins_*.deb")):
        raise RealPackageUnavailable(f"the lab's .debs ({debs}) hold no containernetworking-plugins")
    busybox = busybox_deb()
    containerd = containerd_form(bin_dir)
    target = CACHE / f"{version}-amd64-{_recipe_key(version, bin_dir, debs, busybox, containerd)}"
    if (target / "manifest.yaml").exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    with _lock(f"real-{target.name}"):
        if (target / "manifest.yaml").exists():
            return target
        _checked_binaries(bin_dir, containerd)
        sources = CACHE / f".sources-{target.name}-{os.getpid()}"
        shutil.rmtree(sources, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        try:
            versions = _stage(sources, version, bin_dir, debs, busybox, containerd)
            argv = ["build", "--versions", str(versions), "--out", str(target), "--offline",
                    "--cache", str(sources / ".cache")]  # fmt: skip
            if packages_cli(argv) != 0 or not (target / "manifest.yaml").exists():
                raise RealPackageUnavailable(f"python -m ko_deployment.packages {' '.join(argv)} failed (see above)")
        finally:
            shutil.rmtree(sources, ignore_errors=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the real test offline package (cached) and print its path.")
    parser.add_argument("--tarball", action="store_true")
    args = parser.parse_args()
    package = build_real_package()
    print(package_tarball(package) if args.tarball else package)


if __name__ == "__main__":
    main()
