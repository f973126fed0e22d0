"""Real servers for the tests: nats-server and PostgreSQL, each on a free port in a temp dir."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ko_common.natsbin import nats_server_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(
    port: int, timeout: float = 20.0, proc: subprocess.Popen[bytes] | None = None, host: str = "127.0.0.1"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on {host}:{port}")


@dataclass
class NatsServer:
    port: int
    store: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def restart(self, down_seconds: float = 0.0) -> None:
        """Stop the server and start it again on the same port with the same JetStream store."""
        self.stop()
        time.sleep(down_seconds)
        self.proc = start_nats(self.store, self.port).proc


def start_nats(store: Path, port: int | None = None) -> NatsServer:
    port = port or free_port()
    store.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [str(nats_server_binary()), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=open(store / "nats.log", "ab"),  # noqa: SIM115 - lives as long as the server
    )
    wait_port(port, proc=proc)
    return NatsServer(port, store, proc)


def pg_bindir() -> Path:
    for cand in [shutil.which("initdb"), *sorted(str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/initdb"))]:
        if cand and Path(cand).exists():
            return Path(cand).resolve().parent
    raise FileNotFoundError("PostgreSQL server binaries (initdb) not found: install the postgresql package")


@dataclass
class Postgres:
    port: int
    datadir: Path
    user: str

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        out = subprocess.run(
            [
                str(pg_bindir() / "psql") if (pg_bindir() / "psql").exists() else "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                database,
                "-Atc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout

    def stop(self) -> None:
        _as_pg([str(pg_bindir() / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def _as_pg(cmd: list[str], check: bool = True) -> subprocess.CompletedProcess[bytes]:
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    result = subprocess.run(cmd, check=False, capture_output=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {result.stderr.decode(errors='replace')[-2000:]}")
    return result


def start_postgres() -> Postgres:
    """initdb into a new temp dir and start a server on a free port.

    PostgreSQL refuses to run as root, so as root it runs as the ``postgres``
    user, in a directory of its own directly under /tmp (reachable by it).
    """
    base = Path(tempfile.mkdtemp(prefix="ko-pg-"))
    datadir = base / "data"
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        os.chmod(base, 0o700)
    bindir = pg_bindir()
    _as_pg([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
    port = free_port()
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    _as_pg([str(bindir / "pg_ctl"), "-D", str(datadir), "-o", opts, "-l", str(base / "pg.log"), "-w", "start"])
    return Postgres(port=port, datadir=datadir, user="postgres")
