"""The console's end-to-end journey (frontend/e2e/) against the whole product, in headless Chromium.

Starts the product like ``make run`` does (own data dir, own NATS, a free port, the built console),
runs ``npm run e2e`` in frontend/ and stops the product. It builds nothing: ``npm ci && npm run build``
in frontend/ come first (the Makefile does them). Screenshots land in frontend/test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
CHROMIUM = Path("/usr/bin/chromium")
ADMIN_PASSWORD = "admin-e2e-Passw0rd"
READY_LINE = "KubeOperator is running"
START_TIMEOUT = 180.0
E2E_TIMEOUT = 420.0

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
    pytest.mark.skipif(
        not (FRONTEND / "node_modules").is_dir(), reason="frontend/node_modules is missing: run `npm ci` in frontend/"
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Product:
    """``kubeoperator run`` in its own process group, its output collected in the background."""

    def __init__(self, data_dir: Path, port: int, extra_env: dict[str, str] | None = None) -> None:
        # Nothing of the caller's KO_* settings leaks in: this product has its own NATS and databases.
        env = {k: v for k, v in os.environ.items() if not k.startswith("KO_")}
        env.update(
            KO_DATA_DIR=str(data_dir),
            KO_ADMIN_PASSWORD=ADMIN_PASSWORD,
            KO_HTTP_PORT=str(port),
            KO_CONSOLE_DIR=str(FRONTEND / "dist"),
            KO_REGION_LOGIN_CHECK="false",  # the journey's region points at a made-up vCenter
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env or {})
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ko_common.launcher", "run", "--timeout", str(START_TIMEOUT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if READY_LINE in line:
                self.ready.set()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT + 10
        while not self.ready.wait(0.5):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the product did not start (exit {self.proc.poll()}):\n{self.output()}")

    def service_port(self, name: str) -> int:
        """The port the launcher gave service ``ko_<name>`` (read from its environment)."""
        environ = dict(e.split(b"=", 1) for e in self._service_file(name, "environ").split(b"\0") if b"=" in e)
        return int(environ[b"KO_HTTP_PORT"])

    def service_pid(self, name: str) -> int:
        """The process of service ``ko_<name>`` under the launcher (a test may kill -9 it: it is restarted)."""
        return int(self._service_file(name, "stat").split(b" ", 1)[0])

    def _service_file(self, name: str, what: str) -> bytes:
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes().split(b"\0")
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if f"ko_{name}".encode() not in cmdline or ppid != self.proc.pid:
                    continue
                return (proc / what).read_bytes()
            except (OSError, ValueError):
                continue
        raise LookupError(f"no ko_{name} process under the launcher {self.proc.pid}")

    def output(self) -> str:
        return "".join(self.lines[-80:])

    def stop(self) -> None:
        if self.proc.poll() is None:
            # SIGTERM to the launcher's group: it stops every service and NATS itself.
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def product(tmp_path: Path) -> Iterator[Product]:
    if not (FRONTEND / "dist" / "index.html").is_file():
        pytest.fail("frontend/dist is not built: run `npm run build` in frontend/ first (make test does).")
    running = Product(tmp_path / "data", _free_port())
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.mark.timeout(START_TIMEOUT + E2E_TIMEOUT + 120)
def test_console_journey(product: Product) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    env = dict(os.environ, KO_E2E_URL=product.url, KO_E2E_ADMIN_PASSWORD=ADMIN_PASSWORD)
    result = subprocess.run(
        [npm, "run", "e2e"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=E2E_TIMEOUT
    )
    assert result.returncode == 0, (
        f"npm run e2e failed (exit {result.returncode}); screenshots in {FRONTEND / 'test-artifacts'}\n"
        f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}\n--- product\n{product.output()}"
    )
