"""The launcher's children do not outlive it, even when it is killed outright (SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ko_common.launcher import ready
from tests.support.procs import free_port, start_nats

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="parent-death signals are Linux's")

# Plays the launcher: starts one Child the way `kubeoperator run` starts a service, prints its pid.
LAUNCHER = """
import sys, time
from pathlib import Path
from ko_common.launcher import Child
child = Child("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], {}, Path(sys.argv[1]), 0)
child.start()
print(child.proc.pid, flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) counts as gone.
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"


def test_children_go_when_the_launcher_is_killed(tmp_path: Path) -> None:
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(tmp_path / "sleeper.log")], stdout=subprocess.PIPE, text=True
    )
    assert launcher.stdout is not None
    child = int(launcher.stdout.readline())
    assert alive(child)
    launcher.send_signal(signal.SIGKILL)
    launcher.wait(10)
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    gone = not alive(child)
    if not gone:
        os.kill(child, signal.SIGKILL)
    assert gone, "the service kept running after its launcher was killed"


# Plays `kubeoperator run` for one real service: starts it as a Child against the given NATS, prints its pid.
SERVICE_LAUNCHER = """
import os, sys, time
from pathlib import Path
from ko_common.launcher import Child
child = Child("inventory", [sys.executable, "-m", "ko_inventory"], dict(os.environ), Path(sys.argv[1]), 0)
child.start()
print(child.proc.pid, flush=True)
time.sleep(600)
"""


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.1)


def test_a_service_stops_quietly_when_the_launcher_and_nats_are_gone(tmp_path: Path) -> None:
    """SIGKILL of the launcher takes NATS down too: the service's shutdown says so in one line, no traceback."""
    nats_server = start_nats(tmp_path / "nats")
    port = free_port()
    log_path = tmp_path / "inventory.log"
    env = dict(os.environ, KO_ENV="development", KO_DATA_DIR=str(tmp_path / "data"), KO_NATS_URL=nats_server.url)
    env["KO_HTTP_PORT"] = str(port)
    env.pop("KO_DATABASE_URL", None)
    launcher = subprocess.Popen(
        [sys.executable, "-c", SERVICE_LAUNCHER, str(log_path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert launcher.stdout is not None
    service = int(launcher.stdout.readline())
    try:
        wait_until(lambda: ready(port, "/readyz"), 60, "the service did not become ready")
        # NATS goes first (as its own child of the launcher would); the client queues its pull requests meanwhile.
        nats_server.proc.kill()
        nats_server.proc.wait()
        wait_until(lambda: "disconnected" in log_path.read_text(), 15, "the service did not notice NATS was gone")
        time.sleep(2.5)
        launcher.send_signal(signal.SIGKILL)
        launcher.wait(10)
        wait_until(lambda: not alive(service), 30, "the service did not stop")
    finally:
        if alive(service):
            os.kill(service, signal.SIGKILL)
        launcher.kill()
        nats_server.stop()
    lines = [line for line in log_path.read_text().splitlines() if line.startswith("{")]
    shutdown = lines[next(i for i, line in enumerate(lines) if "Waiting for application shutdown" in line) :]
    assert not [line for line in shutdown if "Traceback" in line or "shutdown failed" in line], shutdown
    assert any("Application shutdown complete" in line for line in shutdown), shutdown
    # One line says what went wrong (NATS gone), nothing more.
    assert len([line for line in shutdown if '"level": "warning"' in line or '"level": "error"' in line]) == 1, shutdown
