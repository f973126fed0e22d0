"""The test lab: N real Debian hosts on this machine, each booting systemd under systemd-nspawn.

Every host is a network namespace joined to a Linux bridge, with an address in a private range
that only exists inside the lab, booting its own systemd on an overlay of one shared Debian
bookworm root filesystem. The base root filesystem is built once with debootstrap and cached
under /var/cache/kubeoperator-lab, so a warm start takes seconds.

The Debian mirror is read from this machine's own apt configuration at build time. The hosts
have no default route: traffic goes only to loopback and the lab's own addresses. They install
packages from a local apt repository (REPO_PACKAGES and their dependencies, downloaded once into
the cache with this machine's apt) that the lab serves over HTTP on the bridge address.

Each host also has what a real kubelet needs in a container and the lab must provide (see
docs/container-hosts.md): a readable /dev/kmsg, writable kernel.panic, kernel.panic_on_oops and
vm.overcommit_memory of its own, and IPv4 forwarding in its namespace; all of it ends with the host.

Needs root, debootstrap, systemd-container, iproute2 and dpkg-dev (deploy/dev/lab-deps.sh installs them).
"""

from __future__ import annotations

import contextlib
import email.utils
import fcntl
import gzip
import hashlib
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

SUITE = "bookworm"
PACKAGES = (
    "systemd",
    "systemd-sysv",
    "dbus",
    "openssh-server",
    "python3",
    "sudo",
    "iproute2",
    "iputils-ping",
)
# Bumped whenever the base customisation below changes, so an old cache is not reused.
RECIPE_VERSION = "1"
# What the lab's apt repository holds for the hosts, with every dependency (and recommendation)
# the base root filesystem does not already have. Add a package here and the next `up()` downloads
# a new repository (the cache directory is keyed by this list).
REPO_PACKAGES = (
    "containerd",
    "runc",
    "etcd-server",
    "etcd-client",
    "haproxy",
    "keepalived",
    # What the playbooks need that a minimal Debian lacks: Ansible's apt module (python3-apt) and
    # the certificates phase (openssl). A real offline package carries them too.
    "python3-apt",
    "openssl",
    # Pod networking for a real kubelet without any image: the bridge and host-local CNI plugins.
    "containernetworking-plugins",
)
# Bumped whenever the way the repository is built changes.
REPO_RECIPE_VERSION = "2"
CACHE_DIR = Path(os.environ.get("KO_LAB_CACHE", "/var/cache/kubeoperator-lab"))
STATE_ROOT = Path(os.environ.get("KO_LAB_STATE", "/var/lib/kubeoperator-lab"))
CGROUP_ROOTS = (Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup/systemd"), Path("/sys/fs/cgroup"))
USER = "ko"
PASSWORD = "ko-lab-password"
SERVICES_TO_MASK = (
    "systemd-networkd.service",
    "systemd-networkd.socket",
    "systemd-resolved.service",
    "systemd-timesyncd.service",
    "getty@.service",
    "console-getty.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "systemd-journald-audit.socket",
)


# What a real kubelet writes that is read-only in a container (nspawn mounts /proc/sys read-only):
# each host gets its own small writable file bound over these, by a unit inside it at boot. They
# change nothing on this machine; kubelet only needs the writes to succeed and read back.
KUBELET_SYSCTLS = ("kernel/panic", "kernel/panic_on_oops", "vm/overcommit_memory")
SYSCTL_UNIT = """[Unit]
Description=KubeOperator lab: writable copies of the kernel settings a kubelet writes
DefaultDependencies=no
# Beside early boot, not in its path; done before sshd answers, so before anything a test starts.
Before=ssh.service containerd.service kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/kolab-sysctl

[Install]
WantedBy=sysinit.target
"""
SYSCTL_SCRIPT = f"""#!/bin/sh
# Bind a file of this host's /run, starting from the kernel's value, over each entry.
set -e
mkdir -p /run/kolab-sysctl
for key in {" ".join(KUBELET_SYSCTLS)}; do
    cat "/proc/sys/$key" > "/run/kolab-sysctl/${{key##*/}}"
    mount --bind "/run/kolab-sysctl/${{key##*/}}" "/proc/sys/$key"
done
"""


INOTIFY_INSTANCES = 1024


def _raise_inotify_instances() -> None:
    """The lab's hosts share this machine's kernel, and its per-user inotify instances (128 by default):
    systemd, containerd (its CRI plugin watches the CNI directory) and the kubelet of every host take
    some, and two real clusters at once ran out (containerd then starts without CRI: "too many open
    files"). A lab fact, raised here, never a product setting."""
    path = Path("/proc/sys/fs/inotify/max_user_instances")
    try:
        if int(path.read_text()) < INOTIFY_INSTANCES:
            path.write_text(str(INOTIFY_INSTANCES))
    except (OSError, ValueError):
        pass  # not writable here (a container): the lab still works for smaller clusters


class LabError(RuntimeError):
    pass


def _run(*args: str, check: bool = True, **kw: object) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(list(args), capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
    return proc  # type: ignore[no-any-return]


# --- the base root filesystem -----------------------------------------------------------------


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 .sources first, then sources.list)."""
    candidates: list[Path] = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in candidates:
        for stanza in re.split(r"\n\s*\n", path.read_text()):
            fields: dict[str, str] = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line:
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
            if fields.get("enabled", "yes").lower() == "no" or "deb" not in fields.get("types", "").split():
                continue
            suites = fields.get("suites", "").split()
            if SUITE in suites:
                for uri in fields.get("uris", "").split():
                    if "security" not in uri:
                        return uri.rstrip("/")
    lists = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*.list"))]
    for path in lists:
        if not path.is_file():
            continue
        for line in path.read_text().splitlines():
            parts = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(parts) >= 3 and parts[0] == "deb" and parts[2] == SUITE:
                return parts[1].rstrip("/")
    raise LabError(f"no Debian {SUITE} mirror found in this machine's apt configuration")


def base_key() -> str:
    text = "\n".join([SUITE, "minbase", RECIPE_VERSION, *PACKAGES, USER, PASSWORD])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def base_rootfs() -> Path:
    """The cached base root filesystem, built with debootstrap the first time."""
    target = CACHE_DIR / f"{SUITE}-{base_key()}"
    if (target / ".ko-lab-complete").exists():
        return target
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    work = CACHE_DIR / f".build-{SUITE}-{base_key()}-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    try:
        _run(
            "debootstrap",
            "--variant=minbase",
            f"--include={','.join(PACKAGES)}",
            SUITE,
            str(work),
            debian_mirror(),
        )
        _customise(work)
        (work / ".ko-lab-complete").write_text(base_key() + "\n")
        shutil.rmtree(target, ignore_errors=True)
        work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _customise(root: Path) -> None:
    # No apt sources: the hosts have no route out; the lab serves them a local repository later.
    (root / "etc/apt/sources.list").write_text("")
    for unit in SERVICES_TO_MASK:
        link = root / "etc/systemd/system" / unit
        link.unlink(missing_ok=True)
        link.symlink_to("/dev/null")
    # Host keys are per host (generated when a host is created), never shared through the base.
    for key in (root / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    (root / "etc/ssh/sshd_config.d/ko-lab.conf").write_text(
        "PermitRootLogin prohibit-password\nPasswordAuthentication yes\nKbdInteractiveAuthentication no\n"
        "UseDNS no\nMaxStartups 100:30:200\n"
    )
    _run("chroot", str(root), "useradd", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", USER)
    _run("chroot", str(root), "chpasswd", input=f"{USER}:{PASSWORD}\n")
    (root / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
    (root / "etc/machine-id").write_text("")
    _run("chroot", str(root), "apt-get", "clean")


# --- the local apt repository -----------------------------------------------------------------


@contextlib.contextmanager
def _cache_lock(name: str) -> Iterator[None]:
    """One builder at a time for a cache entry (another process may be building the same one)."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def repo_key() -> str:
    text = "\n".join([base_key(), REPO_RECIPE_VERSION, *sorted(REPO_PACKAGES)])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _native_arch() -> str:
    return _run("dpkg", "--print-architecture").stdout.strip()


def _apt_options(tmp: Path, status: Path, archives: Path) -> list[str]:
    """apt-get options that keep everything (lists, caches, locks) off this machine's apt state."""
    for sub in ("lists/partial", "cache", "archives/partial"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    (archives / "partial").mkdir(parents=True, exist_ok=True)
    return [
        "-q",
        "-o", f"Dir::State::status={status}",
        "-o", f"Dir::State::Lists={tmp / 'lists'}",
        "-o", f"Dir::State::extended_states={tmp / 'extended_states'}",
        "-o", f"Dir::Cache={tmp / 'cache'}",
        "-o", f"Dir::Cache::archives={archives}",
        "-o", f"APT::Architectures={_native_arch()}",
        "-o", "APT::Sandbox::User=root",
        "-o", "Debug::NoLocking=1",
    ]  # fmt: skip


def deb_repository(base: Path) -> Path:
    """The cached directory of .debs (REPO_PACKAGES and what they need beyond `base`), indexed."""
    target = CACHE_DIR / f"debs-{repo_key()}"
    if (target / ".ko-lab-complete").exists():
        return target
    with _cache_lock(target.name):
        if (target / ".ko-lab-complete").exists():
            return target
        work = CACHE_DIR / f".build-{target.name}-{os.getpid()}"
        tmp = Path(tempfile.mkdtemp(prefix=f".apt-{target.name}-", dir=CACHE_DIR))
        shutil.rmtree(work, ignore_errors=True)
        try:
            _download_debs(base, work, tmp)
            _index_repository(work)
            _check_repository(base, work, tmp / "check")
            (work / ".ko-lab-complete").write_text(repo_key() + "\n")
            shutil.rmtree(target, ignore_errors=True)
            work.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _download_debs(base: Path, out: Path, tmp: Path) -> None:
    """This machine's apt (its sources, keys, proxy) resolves REPO_PACKAGES against the base's dpkg
    status and downloads what a host would install; nothing of this machine's apt state is touched."""
    opts = _apt_options(tmp, base / "var/lib/dpkg/status", out)
    _run("apt-get", *opts, "update")
    # All together, then each alone: `apt-get install X` on a host may pick other alternatives
    # than the joint resolution did, and the repository must satisfy both.
    _run("apt-get", *opts, "install", "--download-only", "--yes", *REPO_PACKAGES)
    for package in REPO_PACKAGES:
        _run("apt-get", *opts, "install", "--download-only", "--yes", package)
    shutil.rmtree(out / "partial", ignore_errors=True)
    (out / "lock").unlink(missing_ok=True)
    if not any(out.glob("*.deb")):
        raise LabError(f"apt-get downloaded nothing for {' '.join(REPO_PACKAGES)}")


def _index_repository(repo: Path) -> None:
    """A flat repository: Packages (+ .gz) from dpkg-scanpackages, and a Release with their hashes."""
    packages = _run("dpkg-scanpackages", "--multiversion", ".", "/dev/null", cwd=str(repo)).stdout
    (repo / "Packages").write_text(packages)
    (repo / "Packages.gz").write_bytes(gzip.compress(packages.encode(), mtime=0))
    sums = {"MD5Sum": "md5", "SHA256": "sha256"}
    lines = [
        "Origin: kubeoperator-lab",
        "Label: kubeoperator-lab",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        f"Architectures: {_native_arch()} all",
    ]
    for field, algo in sums.items():
        lines.append(f"{field}:")
        for name in ("Packages", "Packages.gz"):
            data = (repo / name).read_bytes()
            lines.append(f" {hashlib.new(algo, data).hexdigest()} {len(data)} {name}")
    (repo / "Release").write_text("\n".join(lines) + "\n")


def _check_repository(base: Path, repo: Path, tmp: Path) -> None:
    """Every package installs, alone and together, on the base with only the repository as a source."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "sources.list").write_text(f"deb [trusted=yes] file:{repo} ./\n")
    opts = [
        *_apt_options(tmp, base / "var/lib/dpkg/status", tmp / "archives"),
        "-o", f"Dir::Etc::sourcelist={tmp / 'sources.list'}",
        "-o", "Dir::Etc::sourceparts=-",
    ]  # fmt: skip
    _run("apt-get", *opts, "update")
    for packages in (REPO_PACKAGES, *((p,) for p in REPO_PACKAGES)):
        _run("apt-get", *opts, "install", "--simulate", "--yes", *packages)


# --- hosts ------------------------------------------------------------------------------------


@dataclass
class Host:
    name: str
    ip: str
    port: int
    key_path: str
    user: str
    password: str
    netns: str
    veth: str
    root: str
    pid: int = 0

    @property
    def root_key_path(self) -> str:
        return self.key_path


class Lab:
    """`Lab(3).up()` starts three hosts; `.down()` removes everything `up()` created.

    While up, the lab serves `self.www` over HTTP on the bridge address (`self.base_url`): the apt
    repository at `self.repo_url` (each host's only apt source, /etc/apt/sources.list.d/kolab.list;
    run `apt-get update` before installing), and any directory given to `serve()`, for instance
    the offline package: `url = lab.serve(Path("dist/offline"), "offline")`.
    """

    def __init__(self, n: int = 3, name: str = "kolab0", subnet: str = "10.213.0.0/24") -> None:
        if not re.fullmatch(r"[a-z][a-z0-9]{1,7}", name):
            raise ValueError("lab name: 2-8 lowercase letters/digits, starting with a letter")
        self.n = n
        self.name = name
        self.bridge = name
        self.net = ipaddress.ip_network(subnet)
        self.gateway = str(self.net.network_address + 1)
        self.state = STATE_ROOT / name
        self.key_path = self.state / "id_ed25519"
        self.hosts: list[Host] = []
        self.repo_port = 0
        self.repo_pid = 0

    @property
    def www(self) -> Path:
        """The directory the lab's HTTP server serves (symbolic links to what it serves)."""
        return self.state / "www"

    @property
    def base_url(self) -> str:
        if not self.repo_port:
            raise LabError(f"lab {self.name} is not up")
        return f"http://{self.gateway}:{self.repo_port}/"

    @property
    def repo_url(self) -> str:
        """The lab's apt repository, a flat one: `deb [trusted=yes] <repo_url> ./`."""
        return self.base_url + "debs/"

    def serve(self, directory: Path, name: str) -> str:
        """Serve `directory` to the hosts (read-only) at the returned URL, until `down()`."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name) or name == "debs":
            raise ValueError(f"serve(): bad name {name!r}")
        link = self.www / name
        link.unlink(missing_ok=True)
        link.symlink_to(Path(directory).resolve(), target_is_directory=True)
        return self.base_url + name + "/"

    # state shared between `up` and a later `down` (possibly another process)
    @property
    def _state_file(self) -> Path:
        return self.state / "lab.json"

    def _save(self) -> None:
        state = {
            "subnet": str(self.net),
            "repo_port": self.repo_port,
            "repo_pid": self.repo_pid,
            "hosts": [asdict(h) for h in self.hosts],
        }
        self._state_file.write_text(json.dumps(state, indent=1))

    @classmethod
    def load(cls, name: str = "kolab0") -> Lab:
        lab = cls(0, name)
        if lab._state_file.exists():
            state = json.loads(lab._state_file.read_text())
            if isinstance(state, list):  # the format before the repository server
                state = {"hosts": state}
            lab = cls(0, name, state.get("subnet", str(lab.net)))
            lab.hosts = [Host(**h) for h in state.get("hosts", [])]
            lab.repo_port = state.get("repo_port", 0)
            lab.repo_pid = state.get("repo_pid", 0)
            lab.n = len(lab.hosts)
        return lab

    def _host(self, i: int) -> Host:
        hname = f"lab{i}"
        root = self.state / hname
        return Host(
            name=hname,
            ip=str(self.net.network_address + 10 + i),
            port=22,
            key_path=str(self.key_path),
            user=USER,
            password=PASSWORD,
            netns=f"{self.name}-{hname}",
            veth=f"{self.name}-{hname}"[:15],
            root=str(root / "merged"),
        )

    def up(self, timeout: float = 60.0) -> Lab:
        if os.geteuid() != 0:
            raise LabError("the lab needs root (network namespaces, mounts, systemd-nspawn)")
        for tool in ("systemd-nspawn", "debootstrap", "ip", "dpkg-scanpackages"):
            if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
                raise LabError(f"{tool} not found: run deploy/dev/lab-deps.sh as root")
        self.down()  # leftovers of an earlier run that died
        _raise_inotify_instances()
        base = base_rootfs()
        debs = deb_repository(base)
        self.state.mkdir(parents=True, exist_ok=True)
        if not self.key_path.exists():
            _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"ko-lab-{self.name}", "-f", str(self.key_path))
        self.hosts = [self._host(i) for i in range(1, self.n + 1)]
        try:
            self._make_host_keys()
            self._bridge_up()
            self._serve_up(debs)
            self._save()
            for host in self.hosts:
                self._prepare(host, base)
                self._save()
            for host in self.hosts:
                self._boot(host)
                self._save()
            deadline = time.monotonic() + timeout
            for host in self.hosts:
                self._wait_ssh(host, deadline)
        except BaseException:
            self.down()
            raise
        return self

    def _bridge_up(self) -> None:
        # Another interface in the same range (another lab, a VPN) would take the hosts' traffic.
        for line in _run("ip", "-o", "addr", "show", check=False).stdout.splitlines():
            fields = line.split()
            if len(fields) > 3 and fields[1] != self.bridge and fields[2] in ("inet", "inet6"):
                other = ipaddress.ip_interface(fields[3]).network
                if other.version == self.net.version and other.overlaps(self.net):
                    raise LabError(f"{self.net} overlaps {other} on {fields[1]}: give the lab another subnet")
        if _run("ip", "link", "show", self.bridge, check=False).returncode != 0:
            _run("ip", "link", "add", self.bridge, "type", "bridge")
        _run("ip", "addr", "replace", f"{self.gateway}/{self.net.prefixlen}", "dev", self.bridge)
        _run("ip", "link", "set", self.bridge, "up")

    @property
    def _host_keys(self) -> Path:
        return self.state / "hostkeys"

    def _make_host_keys(self) -> None:
        """Each host's own SSH host keys: made (in parallel) the first time a host of that name
        starts, then kept with the lab key, so a host keeps its identity across restarts."""
        procs = []
        for host in self.hosts:
            hdir = self._host_keys / host.name
            if not all((hdir / f"etc/ssh/ssh_host_{t}_key.pub").exists() for t in ("rsa", "ecdsa", "ed25519")):
                (hdir / "etc/ssh").mkdir(parents=True, exist_ok=True)
                procs.append(subprocess.Popen(["ssh-keygen", "-A", "-f", str(hdir)], stdout=subprocess.DEVNULL,
                                              stderr=subprocess.PIPE, text=True))  # fmt: skip
        for proc in procs:
            _, err = proc.communicate()
            if proc.returncode != 0:
                raise LabError(f"ssh-keygen -A failed: {err.strip()}")

    def _serve_up(self, debs: Path) -> None:
        """An HTTP server for `self.www` on the bridge address, on a free port."""
        self.www.mkdir(parents=True, exist_ok=True)
        (self.www / "debs").unlink(missing_ok=True)
        (self.www / "debs").symlink_to(debs, target_is_directory=True)
        last = ""
        for _ in range(5):
            with socket.socket() as probe:
                probe.bind((self.gateway, 0))
                port = probe.getsockname()[1]
            with open(self.state / "www.log", "ab") as log:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "http.server", "--bind", self.gateway,
                     "--directory", str(self.www), str(port)],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                )  # fmt: skip
            self.repo_pid, self.repo_port = proc.pid, port
            (self.state / "www.pid").write_text(f"{proc.pid}\n")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    socket.create_connection((self.gateway, port), timeout=1).close()
                    return
                except OSError as exc:
                    last = str(exc)
                    time.sleep(0.05)
            proc.kill()
            proc.wait()
            log_text = (self.state / "www.log").read_text(errors="replace")[-500:]
            last = f"{last} {log_text}".strip()
        raise LabError(f"the lab's HTTP server did not start on {self.gateway}: {last}")

    def _prepare(self, host: Host, base: Path) -> None:
        hdir = Path(host.root).parent
        # containerd's overlay snapshotter cannot sit on overlayfs: a plain directory, bound in
        (hdir / "containerd").mkdir(parents=True, exist_ok=True)
        for sub in ("upper", "work", "merged"):
            (hdir / sub).mkdir(parents=True, exist_ok=True)
        _run(
            "mount", "-t", "overlay", "overlay",
            "-o", f"lowerdir={base},upperdir={hdir / 'upper'},workdir={hdir / 'work'}",
            host.root,
        )  # fmt: skip
        root = Path(host.root)
        (root / "etc/hostname").write_text(host.name + "\n")
        (root / "etc/hosts").write_text("127.0.0.1 localhost\n" + "".join(f"{h.ip} {h.name}\n" for h in self.hosts))
        (root / "etc/machine-id").write_text(
            hashlib.sha256(f"{self.name}/{host.name}".encode()).hexdigest()[:32] + "\n"
        )
        for key in sorted((self._host_keys / host.name / "etc/ssh").glob("ssh_host_*")):
            shutil.copy2(key, root / "etc/ssh" / key.name)
        pub = Path(str(self.key_path) + ".pub").read_text()
        auth = root / "root/.ssh/authorized_keys"
        auth.write_text(pub)
        auth.chmod(0o600)
        # the hosts' only apt source: the lab's repository on the bridge address
        (root / "etc/apt/sources.list.d/kolab.list").write_text(f"deb [trusted=yes] {self.repo_url} ./\n")
        self._kubelet_sysctls(root)
        # the network: a namespace with one end of a veth pair on the bridge, no default route
        _run("ip", "netns", "add", host.netns)
        _run("ip", "link", "add", host.veth, "type", "veth", "peer", "name", "eth0", "netns", host.netns)
        _run("ip", "link", "set", host.veth, "master", self.bridge, "up")
        ns = ("ip", "-n", host.netns)
        _run(*ns, "addr", "add", f"{host.ip}/{self.net.prefixlen}", "dev", "eth0")
        _run(*ns, "link", "set", "eth0", "up")
        _run(*ns, "link", "set", "lo", "up")
        # Pods reach other hosts through this host (the CNI bridge, routes between hosts). Set from
        # outside, as the host's /proc/sys is read-only; it goes with the namespace.
        _run("ip", "netns", "exec", host.netns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")

    @staticmethod
    def _kubelet_sysctls(root: Path) -> None:
        """The unit that makes KUBELET_SYSCTLS writable inside the host (in the host's own mount
        namespace, so it ends with the host and leaves nothing on this machine)."""
        script = root / "usr/local/sbin/kolab-sysctl"
        script.write_text(SYSCTL_SCRIPT)
        script.chmod(0o755)
        (root / "etc/systemd/system/kolab-sysctl.service").write_text(SYSCTL_UNIT)
        wants = root / "etc/systemd/system/sysinit.target.wants"
        wants.mkdir(exist_ok=True)
        link = wants / "kolab-sysctl.service"
        link.unlink(missing_ok=True)
        link.symlink_to("/etc/systemd/system/kolab-sysctl.service")

    def _cgroups(self, host: Host) -> list[Path]:
        out = []
        for croot in CGROUP_ROOTS:
            if (croot / "cgroup.procs").exists():
                out.append(croot / f"kolab-{self.name}" / host.name)
        # On a pure cgroup2 host /sys/fs/cgroup is the only root; don't list it twice.
        return list(dict.fromkeys(out))

    def _boot(self, host: Host) -> None:
        cgroups = self._cgroups(host)
        for cg in cgroups:
            cg.mkdir(parents=True, exist_ok=True)

        def enter_cgroup() -> None:
            os.setsid()
            for cg in cgroups:
                with contextlib.suppress(OSError):
                    (cg / "cgroup.procs").write_text(str(os.getpid()))

        log = open(Path(host.root).parent / "console.log", "wb")  # noqa: SIM115
        env = {**os.environ, "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY": "1", "SYSTEMD_LOG_LEVEL": "warning"}
        proc = subprocess.Popen(
            [
                "systemd-nspawn",
                "--quiet",
                "--boot",
                "--register=no",
                "--keep-unit",
                f"--directory={host.root}",
                f"--machine={host.name}",
                f"--network-namespace-path=/run/netns/{host.netns}",
                # The host's own network namespace: it may manage its addresses (keepalived's VIP).
                "--capability=CAP_NET_ADMIN",
                f"--bind={Path(host.root).parent / 'containerd'}:/var/lib/containerd",
                # nspawn gives no /dev/kmsg (and drops CAP_SYSLOG, so the real one would be
                # unreadable); kubelet's OOM watcher only needs to open one.
                "--bind=/dev/null:/dev/kmsg",
                "--system-call-filter=bpf keyctl add_key",
                "--console=read-only",
                "--link-journal=no",
                "--resolv-conf=off",
                "--timezone=off",
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=enter_cgroup,
        )
        log.close()
        host.pid = proc.pid

    def _wait_ssh(self, host: Host, deadline: float) -> None:
        last = ""
        while time.monotonic() < deadline:
            if host.pid and not _alive_nspawn(host.pid):
                break
            try:
                with socket.create_connection((host.ip, host.port), timeout=1) as s:
                    s.settimeout(2)
                    if s.recv(16).startswith(b"SSH-"):
                        return
            except OSError as exc:
                last = str(exc)
            time.sleep(0.1)
        console = Path(host.root).parent / "console.log"
        tail = console.read_text(errors="replace")[-3000:] if console.exists() else ""
        raise LabError(f"{host.name} ({host.ip}): sshd did not come up ({last}); console:\n{tail}")

    # --- teardown -----------------------------------------------------------------------------

    def down(self, timeout: float = 20.0) -> None:
        """Remove everything this lab created; safe to call again and after a crash."""
        saved = Lab.load(self.name)
        known = {h.name: h for h in saved.hosts}
        known.update({h.name: h for h in self.hosts})
        hosts = list(known.values())
        # 0. the HTTP server (the one this process started, one a crashed run left, any other)
        servers = [p for p in (self.repo_pid, saved.repo_pid) if p and _is_server_of(p, self.www)]
        servers += [p for p in _servers_of(self.www) if p not in servers]
        for pid in servers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_is_server_of(p, self.www) for p in servers):
            _reap(servers)
            time.sleep(0.02)
        for pid in servers:
            if _is_server_of(pid, self.www):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        _reap(servers)
        self.repo_pid = self.repo_port = 0
        # 1. stop systemd-nspawn with SIGTERM (a clean poweroff of the host), then SIGKILL
        pids = [h.pid for h in hosts if h.pid and _alive_nspawn(h.pid)]
        pids += [p for p in _nspawn_pids_under(self.state) if p not in pids]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(_alive_nspawn(p) for p in pids):
            _reap(pids)
            time.sleep(0.05)
        for pid in pids:
            if _alive_nspawn(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        _reap(pids)
        # 2. anything left in the hosts' cgroups, then the cgroups themselves
        for croot in CGROUP_ROOTS:
            top = croot / f"kolab-{self.name}"
            if top.is_dir():
                _kill_cgroup_tree(top)
                _rmdir_tree(top)
        # 3. veth before the namespace (namespace deletion is asynchronous), then the namespace
        netns = set(_run("ip", "netns", "list", check=False).stdout.split())
        for h in hosts:
            if _run("ip", "link", "show", h.veth, check=False).returncode == 0:
                _run("ip", "link", "del", h.veth, check=False)
        for ns in sorted(n for n in netns if n.startswith(f"{self.name}-")):
            _run("ip", "-n", ns, "link", "del", "eth0", check=False)
            _run("ip", "netns", "del", ns, check=False)
        # 4. unmount the overlays (and anything nspawn left below them), then the bridge and state
        for mnt in sorted(_mounts_under(self.state), key=len, reverse=True):
            _run("umount", "-l", mnt, check=False)
        if _run("ip", "link", "show", self.bridge, check=False).returncode == 0:
            _run("ip", "link", "del", self.bridge, check=False)
        if self.state.exists() and not _mounts_under(self.state):
            # Keep the lab key (tests and developers may have it configured) and the hosts' keys.
            keep = {self.key_path.name, self.key_path.name + ".pub", self._host_keys.name}
            for entry in self.state.iterdir():
                if entry.name in keep:
                    continue
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        self.hosts = []

    def leftovers(self) -> dict[str, list[str]]:
        """What of this lab still exists on the machine (empty lists after a clean `down`)."""
        netns = [n for n in _run("ip", "netns", "list", check=False).stdout.split() if n.startswith(f"{self.name}-")]
        links = [
            line.split(":")[1].strip().split("@")[0]
            for line in _run("ip", "-o", "link", "show", check=False).stdout.splitlines()
            if line.split(":")[1].strip().split("@")[0] == self.bridge
            or line.split(":")[1].strip().startswith(f"{self.name}-")
        ]
        cgroups = [str(c / f"kolab-{self.name}") for c in CGROUP_ROOTS if (c / f"kolab-{self.name}").exists()]
        return {
            "netns": netns,
            "links": links,
            "mounts": _mounts_under(self.state),
            "processes": [str(p) for p in _nspawn_pids_under(self.state)],
            "cgroups": cgroups,
            "servers": [str(p) for p in _servers_of(self.www)],
        }

    # --- reaching into a host without SSH -----------------------------------------------------

    def run(self, host: Host, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run a shell command inside `host` as root with nsenter (works while its sshd is down)."""
        leader = _container_leader(host.pid)
        if not leader:
            raise LabError(f"{host.name} is not running")
        return subprocess.run(
            ["nsenter", f"--target={leader}", "--mount", "--uts", "--ipc", "--net", "--pid", "--cgroup",
             "--root", "--wd", "/bin/sh", "-c", command],
            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip

    def restart_sshd(self, host: Host, timeout: float = 30) -> None:
        """Bring a host's sshd back (e.g. after a test stopped it) and wait until it answers."""
        out = self.run(host, "systemctl reset-failed ssh.service; systemctl restart ssh.service")
        if out.returncode != 0:
            raise LabError(f"{host.name}: restarting sshd failed: {out.stderr.strip()}")
        self._wait_ssh(host, time.monotonic() + timeout)


# --- helpers ----------------------------------------------------------------------------------


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _alive_nspawn(pid: int) -> bool:
    cmd = _cmdline(pid)
    if not cmd or not cmd[0].endswith("systemd-nspawn"):
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _is_server_of(pid: int, www: Path) -> bool:
    cmd = _cmdline(pid)
    if "http.server" not in cmd or "--directory" not in cmd:
        return False
    i = cmd.index("--directory")
    if i + 1 >= len(cmd) or cmd[i + 1] != str(www):
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _servers_of(www: Path) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _is_server_of(int(p.name), www)]


def _container_leader(nspawn_pid: int) -> int:
    """The host's init: the child of its systemd-nspawn in another PID namespace."""
    if not nspawn_pid or not _alive_nspawn(nspawn_pid):
        return 0
    try:
        ours = os.readlink(f"/proc/{nspawn_pid}/ns/pid")
        children = Path(f"/proc/{nspawn_pid}/task/{nspawn_pid}/children").read_text().split()
    except OSError:
        return 0
    for child in children:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{child}/ns/pid") != ours:
                return int(child)
    return 0


def _reap(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


def _nspawn_pids_under(state: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            cmd = _cmdline(int(proc.name))
            ours = any(a.startswith(f"--directory={state}/") for a in cmd)
            if cmd and cmd[0].endswith("systemd-nspawn") and ours and _alive_nspawn(int(proc.name)):
                found.append(int(proc.name))
    return found


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mnt = line.split()[4].replace("\\040", " ")
        if mnt.startswith(prefix) or mnt == str(path):
            out.append(mnt)
    return out


def _kill_cgroup_tree(top: Path) -> None:
    for _ in range(50):
        pids = []
        for procs in top.rglob("cgroup.procs"):
            with contextlib.suppress(OSError):
                pids += [int(p) for p in procs.read_text().split()]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def _rmdir_tree(top: Path) -> None:
    dirs = sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True)
    for d in [*dirs, top]:
        with contextlib.suppress(OSError):
            d.rmdir()
