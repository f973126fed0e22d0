"""``kubeoperator run``: the whole product on one machine.

Starts a local nats-server with JetStream (unless ``KO_NATS_URL`` points at
one), then every service as its own process on loopback but the gateway, which
listens on every address (``KO_HTTP_HOST``, default 0.0.0.0): it is the one
port that browsers, API clients and the cluster nodes (its ``/repository``)
reach. Waits until all are ready and prints the console and repository URLs.
A service that dies is restarted; Ctrl-C stops everything, and on Linux the
children also go when the launcher is killed outright (they would otherwise
keep the ports). Logs go to ``<data dir>/logs/<service>.log``.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ko_common.natsbin import nats_server_binary
from ko_common.netaddr import local_addresses
from ko_common.settings import ROUTED_SERVICES, SERVICE_PORTS, key_file

# The gateway last: it is the one people wait for, and it needs the others.
SERVICES = [*ROUTED_SERVICES, "gateway"]


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pick_port(preferred: int, taken: set[int], host: str = "127.0.0.1") -> int:
    port = preferred if preferred not in taken and port_free(preferred, host) else free_port()
    while port in taken:
        port = free_port()
    taken.add(port)
    return port


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" else None


def die_with_parent() -> Callable[[], None] | None:
    """A preexec hook: the child gets SIGTERM when the process that started it dies, even by SIGKILL."""
    if _LIBC is None:
        return None
    parent = os.getpid()
    libc = _LIBC

    def hook() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the launcher died before the line above took effect
            os._exit(1)

    return hook


@dataclass
class Child:
    name: str
    cmd: list[str]
    env: dict[str, str]
    log_path: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        # stdout stays on the terminal (the gateway prints the first admin password there once).
        self.proc = subprocess.Popen(
            self.cmd, env=self.env, stdout=None, stderr=log, start_new_session=True, preexec_fn=die_with_parent()
        )
        log.close()

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ready(port: int, path: str, host: str = "127.0.0.1") -> bool:
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - a comparison
    host = f"[{host}]" if ":" in host else host
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=2) as r:
            return bool(r.status == 200)
    except Exception:  # noqa: BLE001 - not ready yet
        return False


def run(args: argparse.Namespace) -> int:
    data_dir = Path(os.environ.get("KO_DATA_DIR", "./var")).resolve()
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    # Generate the shared development keys once, before the services race to.
    if "KO_IDENTITY_KEY" not in os.environ:
        key_file(data_dir / "identity-key", 32)
    if "KO_SECRET_KEY" not in os.environ:
        key_file(data_dir / "secret-key", 32)
    taken: set[int] = set()
    children: list[Child] = []
    base_env = dict(os.environ, KO_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")

    gateway_host = os.environ.get("KO_HTTP_HOST") or "0.0.0.0"  # noqa: S104 - the nodes must reach it
    gateway_port = int(os.environ.get("KO_HTTP_PORT", "0") or 0)
    if gateway_port:
        if not port_free(gateway_port, gateway_host):
            print(
                f"kubeoperator: port {gateway_port} (KO_HTTP_PORT) is already in use: choose another.", file=sys.stderr
            )
            return 2
        taken.add(gateway_port)

    nats_url = os.environ.get("KO_NATS_URL")
    if not nats_url:
        nats_port = pick_port(4222, taken)
        store = data_dir / "nats"
        store.mkdir(exist_ok=True)
        cmd = [str(nats_server_binary()), "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd", str(store)]
        children.append(Child("nats", cmd, base_env, data_dir / "logs" / "nats.log", nats_port))
        nats_url = f"nats://127.0.0.1:{nats_port}"
    base_env["KO_NATS_URL"] = nats_url

    ports = {}
    for name in SERVICES:
        if name == "gateway" and gateway_port:
            ports[name] = gateway_port
        elif name == "gateway":
            ports[name] = pick_port(SERVICE_PORTS[name], taken, gateway_host)
        else:
            ports[name] = pick_port(SERVICE_PORTS[name], taken)
    urls = {f"KO_{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in ports.items() if n != "gateway"}
    for name in SERVICES:
        env = dict(base_env, KO_HTTP_PORT=str(ports[name]), **urls)
        env["KO_HTTP_HOST"] = gateway_host if name == "gateway" else "127.0.0.1"
        if name == "deployment":
            # The nodes fetch the repository through the gateway's port (see ko_gateway.repository).
            env.setdefault("KO_REPOSITORY_PORT", str(ports["gateway"]))
        cmd = [sys.executable, "-m", f"ko_{name}"]
        children.append(Child(name, cmd, env, data_dir / "logs" / f"{name}.log", ports[name]))

    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    try:
        for child in children:
            child.start()
        deadline = time.monotonic() + args.timeout
        pending = [c for c in children if c.name != "nats"]
        while pending and not stopping:
            for child in list(pending):
                if child.proc is not None and child.proc.poll() is not None:
                    print(f"kubeoperator: {child.name} exited during start-up; see {child.log_path}", file=sys.stderr)
                    return 1
                if ready(child.port, "/readyz", child.env.get("KO_HTTP_HOST", "127.0.0.1")):
                    pending.remove(child)
            if time.monotonic() > deadline:
                names = ", ".join(c.name for c in pending)
                print(
                    f"kubeoperator: not ready after {args.timeout:.0f} s: {names}; see {data_dir / 'logs'}",
                    file=sys.stderr,
                )
                return 1
            time.sleep(0.2)
        if stopping:
            return 0
        shown = "127.0.0.1" if gateway_host in ("0.0.0.0", "::") else gateway_host  # noqa: S104 - display only
        url = f"http://{shown}:{ports['gateway']}/"
        pw_file = data_dir / "initial-admin-password"
        repository = repository_line(gateway_host, ports["gateway"])
        print(
            f"\nKubeOperator is running.\n"
            f"  Console:   {url}\n"
            f"  API docs:  {url}api/v1/docs\n"
            f"  Health:    {url}api/v1/health\n"
            f"  Log in as: admin  (password: KO_ADMIN_PASSWORD, or the file {pw_file})\n"
            f"  Repository for the nodes: {repository}\n"
            f"  Data:      {data_dir}   Logs: {data_dir / 'logs'}   NATS: {nats_url}\n"
            f"Press Ctrl-C to stop.\n",
            flush=True,
        )
        if args.exit_when_ready:
            return 0
        while not stopping:
            time.sleep(0.5)
            for child in children:
                if child.proc is not None and child.proc.poll() is not None and not stopping:
                    now = time.monotonic()
                    child.restarts = [t for t in child.restarts if now - t < 60] + [now]
                    if len(child.restarts) > 5:
                        print(f"kubeoperator: {child.name} keeps crashing; see {child.log_path}", file=sys.stderr)
                        return 1
                    print(f"kubeoperator: {child.name} exited ({child.proc.returncode}); restarting", file=sys.stderr)
                    child.start()
        return 0
    finally:
        for child in reversed(children):
            child.stop()


def repository_line(host: str, port: int) -> str:
    """Where the nodes fetch the offline repository, as the banner says it."""
    configured = os.environ.get("KO_REPOSITORY_URL")
    if configured:
        return f"{configured.rstrip('/')}  (KO_REPOSITORY_URL)"
    if host in ("0.0.0.0", "::"):  # noqa: S104 - a comparison
        addresses = local_addresses()
        shown = ", ".join(f"http://{a}:{port}/repository" for a in addresses[:4]) or f"http://<this machine>:{port}"
        return f"{shown}  (each node is given this machine's address on its network; KO_REPOSITORY_URL overrides)"
    return f"http://{host}:{port}/repository  (only nodes that reach {host}; KO_HTTP_HOST=0.0.0.0 or KO_REPOSITORY_URL)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="kubeoperator", description="KubeOperator control plane.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="start the whole product on this machine")
    p_run.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for every service to be ready")
    p_run.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command == "run":
        sys.exit(run(args))


if __name__ == "__main__":
    main()
