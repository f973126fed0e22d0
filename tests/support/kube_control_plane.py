"""A real Kubernetes control plane on loopback for API-facing tests: etcd, kube-apiserver and
kube-controller-manager, no kubelet and no scheduler (Pods stay Pending, nothing runs).

Guarantees:
- Everything lives in one temporary directory (CAs, serving and client certificates, the
  service-account key pair and Secrets encryption written by tests/support/kube_pki.py; an admin
  kubeconfig of ``system:masters``, admin.conf; the etcd data; the logs) and listens on free ports
  of 127.0.0.1 only; ``stop()`` ends every process, checks that none survives, and removes the
  directory. The processes also die with the Python
  process that started them (``PR_SET_PDEATHSIG``), so a killed test run leaves nothing behind.
- ``start()`` returns once kube-apiserver's ``/readyz`` answers ``ok`` and kube-controller-manager's
  ``/healthz`` answers ``ok``.
- The binaries come from ``<KO_K8S_CACHE or /var/cache/kubeoperator-k8s>/<newest version>/bin``,
  built from source as ../shared/docs/real-kubernetes.md describes (no registry carries them).
  etcd is ``bin/etcd`` there (3.6) when present, else Debian's etcd-server 3.4 from the lab's .debs
  (as tests/fakes/test_kube_apiserver_fake.py gets it), with which kube-apiserver needs
  ``--feature-gates=WatchList=false``. When any is missing, ``find_binaries()`` raises
  ``Unavailable`` whose message says what is missing and how to get it.

    python -m tests.support.kube_control_plane   # start one, print its kubeconfig, wait for Ctrl-C
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.kube_pki import write_pki
from tests.support.procs import free_port

CACHE = Path(os.environ.get("KO_K8S_CACHE", "/var/cache/kubeoperator-k8s"))
REQUIRED = ("kube-apiserver", "kube-controller-manager")
HOW_TO_GET = (
    "build Kubernetes from source as ../shared/docs/real-kubernetes.md describes into "
    f"{CACHE}/<version>/bin (or point KO_K8S_CACHE at such a directory)"
)
SKIP_PREFIX = "no real Kubernetes control plane"
SERVICE_CIDR = "10.96.0.0/12"
ENCRYPTION_PREFIX = b"k8s:enc:aescbc:v1:key1:"
# Node ids of tests that ran on tests/fakes' API server because the binaries are missing (conftest says so).
FELL_BACK: list[str] = []
_READY_TIMEOUT = 60.0  # seconds; ~3 s on an idle 2-core machine, far more while Go builds run beside


class Unavailable(RuntimeError):
    """The binaries of a real control plane are not on this machine."""


@dataclass(frozen=True)
class Binaries:
    version: str
    apiserver: Path
    controller_manager: Path
    etcd: Path
    etcdctl: Path | None
    kubectl: Path | None  # the built one; None: use tests/support/helm.py's kubectl

    @property
    def etcd_is_34(self) -> bool:
        """Debian's etcd 3.4 lacks what the WatchList feature of kube-apiserver needs."""
        out = subprocess.run([str(self.etcd), "--version"], capture_output=True, text=True, timeout=30).stdout
        return "etcd Version: 3.4." in out


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.name))


def version_dirs(cache: Path = CACHE) -> list[Path]:
    """Version directories of the cache (1.36.1, ...), newest first."""
    if not cache.is_dir():
        return []
    dirs = [d for d in cache.iterdir() if d.is_dir() and re.fullmatch(r"v?\d+\.\d+\.\d+.*", d.name)]
    return sorted(dirs, key=_version_key, reverse=True)


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_binaries(cache: Path = CACHE) -> Binaries:
    """The binaries of the newest version in ``cache`` that has them all; ``Unavailable`` if none."""
    dirs = version_dirs(cache)
    for d in dirs:
        bin_dir = d / "bin"
        if all(_executable(bin_dir / name) for name in REQUIRED):
            etcd = bin_dir / "etcd" if _executable(bin_dir / "etcd") else _debian_binary("etcd-server", "etcd")
            etcdctl = bin_dir / "etcdctl" if _executable(bin_dir / "etcdctl") else None
            if etcdctl is None:
                with contextlib.suppress(Unavailable):
                    etcdctl = _debian_binary("etcd-client", "etcdctl")
            kubectl = bin_dir / "kubectl" if _executable(bin_dir / "kubectl") else None
            return Binaries(d.name.lstrip("v"), bin_dir / REQUIRED[0], bin_dir / REQUIRED[1], etcd, etcdctl, kubectl)
    where = ", ".join(str(d / "bin") for d in dirs) or f"{cache} (no version directory)"
    raise Unavailable(f"{' and '.join(REQUIRED)} not found in {where}: {HOW_TO_GET}")


def _debian_binary(package: str, name: str) -> Path:
    """``usr/bin/<name>`` of the lab's cached ``<package>`` .deb, unpacked once beside the lab's cache."""
    from tests.support import offline_package  # imports the lab: only when no etcd was built

    try:
        debs = offline_package.deb_directory()
    except offline_package.PackageUnavailable as exc:
        raise Unavailable(f"no {name}: {exc}") from exc
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        raise Unavailable(f"no {name}: no {package} .deb in {debs}")
    target = offline_package.CACHE.parent / f"{package}-unpacked" / found[-1].stem
    binary = target / "usr" / "bin" / name
    if not binary.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f"{target.name}.{os.getpid()}")
        subprocess.run(["dpkg-deb", "-x", str(found[-1]), str(staged)], check=True, timeout=120)
        with contextlib.suppress(OSError):  # another run unpacked it first
            staged.rename(target)
        shutil.rmtree(staged, ignore_errors=True)
    return binary


def _kubeconfig(path: Path, server: str, d: Path, user: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubernetes", "cluster": {"server": server, "certificate-authority": str(d / "ca.crt")}}],
        "users": [{"name": user, "user": {"client-certificate": str(d / f"{user}.crt"),
                                          "client-key": str(d / f"{user}.key")}}],
        "contexts": [{"name": f"{user}@kubernetes", "context": {"cluster": "kubernetes", "user": user}}],
        "current-context": f"{user}@kubernetes",
    }  # fmt: skip
    path.write_text(json.dumps(config, indent=2))
    return path


# --- processes --------------------------------------------------------------------------------


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _rss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


@dataclass
class KubeControlPlane:
    dir: Path
    binaries: Binaries
    server: str = ""
    etcd_url: str = ""
    kubeconfig: Path = Path()
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started: float = 0.0
    apiserver_seconds: float = 0.0  # start to kube-apiserver's /readyz ok
    ready_seconds: float = 0.0  # start to both ready

    @property
    def kubeconfigs(self) -> list[Path]:
        """As tests/fakes' Cluster has it: kubeconfigs[0] is the admin's."""
        return [self.kubeconfig]

    def _spawn(self, name: str, args: list[str]) -> None:
        log = (self.dir / f"{name}.log").open("wb")
        with log:
            self.procs[name] = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=self.dir,
                preexec_fn=_die_with_parent,  # safe: no threads of ours run while it starts
            )  # fmt: skip

    def _start(self) -> None:
        d, b = self.dir, self.binaries
        self.started = time.monotonic()
        write_pki(d, SERVICE_CIDR)
        etcd_port, peer_port, api_port, kcm_port = free_port(), free_port(), free_port(), free_port()
        self.etcd_url = f"https://127.0.0.1:{etcd_port}"
        self.server = f"https://127.0.0.1:{api_port}"
        peer = f"http://127.0.0.1:{peer_port}"
        self._spawn("etcd", [
            str(b.etcd), "--name", "ko", "--data-dir", str(d / "etcd-data"),
            "--listen-client-urls", self.etcd_url, "--advertise-client-urls", self.etcd_url,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", f"ko={peer}",
            "--cert-file", str(d / "etcd-server.crt"), "--key-file", str(d / "etcd-server.key"),
            "--trusted-ca-file", str(d / "etcd-ca.crt"), "--client-cert-auth", "--unsafe-no-fsync",
        ])  # fmt: skip
        apiserver = [
            str(b.apiserver), "--advertise-address=127.0.0.1", "--bind-address=127.0.0.1",
            f"--secure-port={api_port}", f"--cert-dir={d / 'apiserver-certs'}",
            f"--tls-cert-file={d / 'apiserver.crt'}", f"--tls-private-key-file={d / 'apiserver.key'}",
            f"--client-ca-file={d / 'ca.crt'}", f"--etcd-servers={self.etcd_url}",
            f"--etcd-cafile={d / 'etcd-ca.crt'}", f"--etcd-certfile={d / 'apiserver-etcd-client.crt'}",
            f"--etcd-keyfile={d / 'apiserver-etcd-client.key'}", f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={d / 'sa.pub'}", f"--service-account-signing-key-file={d / 'sa.key'}",
            "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
            f"--encryption-provider-config={d / 'encryption.yaml'}", "--allow-privileged=true", "--profiling=false",
            # The lease reconciler would write 127.0.0.1 into the kubernetes Service's endpoints, which
            # validation refuses (loopback), and log it every 10 s; nothing in here dials the Service.
            "--endpoint-reconciler-type=none",
        ]  # fmt: skip
        if b.etcd_is_34:
            apiserver.append("--feature-gates=WatchList=false")
        self._spawn("kube-apiserver", apiserver)
        self.kubeconfig = _kubeconfig(d / "admin.conf", self.server, d, "admin")
        kcm_conf = _kubeconfig(d / "controller-manager.conf", self.server, d, "controller-manager")
        self._spawn("kube-controller-manager", [
            # No --authentication/authorization-kubeconfig: with them it exits when it starts before the
            # RBAC bootstrap (no static-pod restart here); its /healthz is always allowed anyway.
            str(b.controller_manager), f"--kubeconfig={kcm_conf}", "--bind-address=127.0.0.1",
            f"--secure-port={kcm_port}",
            f"--tls-cert-file={d / 'controller-manager-serving.crt'}",
            f"--tls-private-key-file={d / 'controller-manager-serving.key'}", "--leader-elect=false",
            f"--service-account-private-key-file={d / 'sa.key'}", f"--root-ca-file={d / 'ca.crt'}",
            "--use-service-account-credentials=true", f"--service-cluster-ip-range={SERVICE_CIDR}",
            f"--cluster-signing-cert-file={d / 'ca.crt'}", f"--cluster-signing-key-file={d / 'ca.key'}",
            f"--flex-volume-plugin-dir={d / 'flexvolume'}", "--profiling=false",  # not /usr/libexec/kubernetes
        ])  # fmt: skip
        trusted = ssl.create_default_context(cafile=str(d / "ca.crt"))
        self._wait_ok(f"{self.server}/readyz", trusted, "kube-apiserver")
        self.apiserver_seconds = time.monotonic() - self.started
        self._wait_ok(f"https://127.0.0.1:{kcm_port}/healthz", trusted, "kube-controller-manager")
        self.ready_seconds = time.monotonic() - self.started

    def _wait_ok(self, url: str, ctx: ssl.SSLContext, name: str) -> None:
        deadline = self.started + _READY_TIMEOUT
        while time.monotonic() < deadline:
            for proc_name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc_name} exited with {proc.returncode} while starting{self.logs()}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(url, context=ctx, timeout=2) as response,  # noqa: S310 (https)
            ):
                if response.read().strip() == b"ok":
                    return
            time.sleep(0.05)
        raise TimeoutError(f"{name} not ready at {url} after {_READY_TIMEOUT:.0f} s{self.logs()}")

    def stop(self) -> None:
        """Kill every process, check none is left, remove the directory. SIGKILL, not SIGTERM: the data
        goes with the directory, and kube-apiserver's graceful shutdown alone takes seconds."""
        for proc in reversed(self.procs.values()):
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        alive = [name for name, proc in self.procs.items() if proc.poll() is None]
        shutil.rmtree(self.dir, ignore_errors=True)
        if alive:
            raise RuntimeError(f"still running after stop: {', '.join(alive)}")

    def rss_mib(self) -> dict[str, float]:
        """Resident memory of each process, MiB."""
        return {name: _rss_kib(proc.pid) / 1024 for name, proc in self.procs.items()}

    def logs(self, tail: int = 3000) -> str:
        return "".join(
            f"\n--- {p.name}\n{p.read_text(errors='replace')[-tail:]}" for p in sorted(self.dir.glob("*.log"))
        )

    # --- clients ------------------------------------------------------------------------------

    def kubectl_binary(self) -> Path:
        if self.binaries.kubectl is not None:
            return self.binaries.kubectl
        from tests.support.helm import kubectl_binary

        return kubectl_binary()

    def kubectl(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.kubectl_binary()), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {result.stderr}{self.logs()}")
        return result

    def json(self, *args: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.kubectl(*args, "-o", "json").stdout)
        return loaded

    def helm(self, *args: str, check: bool = True, home: Path | None = None) -> subprocess.CompletedProcess[str]:
        from tests.support.helm import helm_binary

        home = home or self.dir / "helm"
        env = dict(os.environ, HELM_CACHE_HOME=str(home / "cache"), HELM_CONFIG_HOME=str(home / "config"),
                   HELM_DATA_HOME=str(home / "data"))  # fmt: skip
        result = subprocess.run(
            [str(helm_binary()), "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True, text=True, timeout=180, env=env,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed: {result.stderr}{self.logs()}")
        return result

    def etcd_get(self, key: str) -> bytes:
        """The raw value of ``key`` in etcd, read with etcdctl (v3 API)."""
        if self.binaries.etcdctl is None:
            raise Unavailable("no etcdctl (Debian's etcd-client .deb or bin/etcdctl in the cache)")
        d = self.dir
        result = subprocess.run(
            [str(self.binaries.etcdctl), f"--endpoints={self.etcd_url}", f"--cacert={d / 'etcd-ca.crt'}",
             f"--cert={d / 'apiserver-etcd-client.crt'}", f"--key={d / 'apiserver-etcd-client.key'}",
             "get", key, "--print-value-only"],
            capture_output=True, timeout=30, env=dict(os.environ, ETCDCTL_API="3"), check=True,
        )  # fmt: skip
        return result.stdout.rstrip(b"\n")


def start(root: Path | None = None, binaries: Binaries | None = None) -> KubeControlPlane:
    """Start a control plane in a new directory under ``root`` (the system temp dir by default)."""
    binaries = binaries or find_binaries()
    plane = KubeControlPlane(Path(tempfile.mkdtemp(prefix="ko-kube-", dir=root)), binaries)
    try:
        plane._start()
    except BaseException:
        plane.stop()
        raise
    return plane


def main() -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it as Ctrl-C does
    plane = start()
    try:
        pids = ",".join(str(p.pid) for p in plane.procs.values())
        print(f"ready in {plane.ready_seconds:.1f} s: KUBECONFIG={plane.kubeconfig} pids={pids} (Ctrl-C stops it)",
              flush=True)  # fmt: skip
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        plane.stop()


if __name__ == "__main__":
    main()
