"""The whole product started the way `make run` starts it: ``kubeoperator run`` in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.procs import free_port

ADMIN_PASSWORD = "Admin-Test-Passw0rd!"


@dataclass
class Stack:
    url: str
    data_dir: Path
    nats_url: str
    proc: subprocess.Popen[bytes]
    env: dict[str, str]
    output: Path
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        c = httpx.Client(base_url=self.url, headers=headers, timeout=30)
        self.clients.append(c)
        return c

    def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> httpx.Client:
        """A browser-like client: session cookie plus the CSRF header."""
        c = self.client()
        r = c.post("/api/v1/auth/login", json={"username": username, "password": password})
        r.raise_for_status()
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return c

    def token(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        c = self.login(username, password)
        r = c.post("/api/v1/auth/tokens", json={"name": f"test-{username}"})
        r.raise_for_status()
        return str(r.json()["token"])

    def logs(self) -> str:
        parts = [p.read_text(errors="replace") for p in sorted((self.data_dir / "logs").glob("*.log"))]
        return "\n".join(parts) + self.output.read_text(errors="replace")

    def stop(self) -> None:
        for c in self.clients:
            c.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def start_stack(data_dir: Path, nats_url: str, extra_env: dict[str, str] | None = None, timeout: float = 120) -> Stack:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KO_")}
    env.update(
        KO_DATA_DIR=str(data_dir),
        KO_NATS_URL=nats_url,
        KO_HTTP_PORT=str(port),
        KO_ADMIN_PASSWORD=ADMIN_PASSWORD,
        KO_CONSOLE_DIR=str(data_dir / "no-console"),
        KO_LOGIN_SLOWDOWN_AFTER="2",
        KO_LOGIN_LOCK_AFTER="4",
        KO_LOGIN_LOCK_MINUTES="1",
        KO_LIVE_RECHECK_SECONDS="1",
        KO_REGION_LOGIN_CHECK="false",  # regions in these tests point at made-up clouds
    )
    env.update(extra_env or {})
    data_dir.mkdir(parents=True, exist_ok=True)
    output = data_dir / "launcher.out"
    with open(output, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ko_common.launcher", "run"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = Stack(f"http://127.0.0.1:{port}", data_dir, nats_url, proc, env, output)
    deadline = time.monotonic() + timeout
    while "KubeOperator is running" not in output.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            text = output.read_text(errors="replace")
            stack.stop()
            raise RuntimeError(f"the product did not start:\n{text}\n{stack.logs()[-4000:]}")
        time.sleep(0.2)
    return stack
