"""The console's journey on the lab (issue 6), in headless Chromium against the whole product.

1. log in; 2. import the test offline package and create a credential; 3. register two lab hosts and
see their facts; 4. plan a 1 master + 1 worker cluster in the wizard; 5. watch the deploy live to
Running (phase stepper advancing, log lines arriving); 6. open the cluster detail and the overview;
7. switch the language and see Chinese; then delete the cluster from its detail page and follow the
reset to the end. Screenshots of every step land in frontend/test-artifacts-lab/.

This is the suite's only browser deploy: the product runs like ``make run`` (own NATS and data), and
the nodes reach the deployment service's offline repository through a small TCP relay on the lab's
bridge address (the launcher binds the services to 127.0.0.1), announced with KO_REPOSITORY_URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_console_e2e import ADMIN_PASSWORD, CHROMIUM, FRONTEND, START_TIMEOUT, Product, _free_port
from tests.lab.lab import Lab
from tests.support.offline_package import PackageUnavailable, build_test_package

# A whole deploy (~5-8 min on CI; 20 min on a 2-core machine at load 20) and its reset, in the browser.
DEPLOY_TIMEOUT = 2400
E2E_TIMEOUT = DEPLOY_TIMEOUT + 900
pytestmark = [
    pytest.mark.lab,
    pytest.mark.timeout(START_TIMEOUT + E2E_TIMEOUT + 180),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
    pytest.mark.skipif(
        not (FRONTEND / "node_modules").is_dir(), reason="frontend/node_modules is missing: run `npm ci` in frontend/"
    ),
]
ARTIFACTS = FRONTEND / "test-artifacts-lab"  # not under test-artifacts/, which the no-lab journey empties


class Relay:
    """Forwards TCP connections from ``listen`` (the lab bridge address) to 127.0.0.1:``target()``."""

    def __init__(self, host: str, port: int) -> None:
        self.server = socket.create_server((host, port))
        self.address = (host, port)
        self.target = 0
        self.stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=10)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            src.close()

    def close(self) -> None:
        self.stopped.set()
        self.server.close()


@pytest.fixture
def package() -> Path:
    try:
        return build_test_package()
    except PackageUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def lab_product(lab: Lab, package: Path, tmp_path: Path) -> Iterator[tuple[Product, Lab]]:
    if len(lab.hosts) < 2:
        pytest.skip("the console's lab journey needs 2 lab hosts (KO_LAB_HOSTS=2)")
    if not (FRONTEND / "dist" / "index.html").is_file():
        pytest.fail("frontend/dist is not built: run `npm run build` in frontend/ first (make test does).")
    relay = Relay(lab.gateway, _free_port())
    repository = f"http://{lab.gateway}:{relay.address[1]}/repository"
    running = Product(tmp_path / "data", _free_port(), {"KO_REPOSITORY_URL": repository})
    try:
        running.wait_ready()
        relay.target = running.service_port("deployment")
        yield running, lab
    finally:
        running.stop()
        relay.close()


def test_console_lab_journey(lab_product: tuple[Product, Lab], package: Path) -> None:
    product, lab = lab_product
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    hosts = [{"name": h.name, "ip": h.ip} for h in lab.hosts[:2]]
    env = dict(
        os.environ,
        KO_E2E_URL=product.url,
        KO_E2E_ADMIN_PASSWORD=ADMIN_PASSWORD,
        KO_E2E_JOURNEY="lab",
        KO_E2E_ARTIFACTS=str(ARTIFACTS),
        KO_E2E_LAB_HOSTS=json.dumps(hosts),
        KO_E2E_LAB_KEY_FILE=str(lab.hosts[0].key_path),
        KO_E2E_PACKAGE=str(package),
        KO_E2E_DEPLOY_TIMEOUT_MS=str(DEPLOY_TIMEOUT * 1000),
    )
    result = subprocess.run(
        [npm, "run", "e2e"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=E2E_TIMEOUT
    )
    print(result.stdout[-4000:])
    assert result.returncode == 0, (
        f"npm run e2e (lab) failed (exit {result.returncode}); screenshots in {ARTIFACTS}\n"
        f"--- stdout\n{result.stdout[-6000:]}\n--- stderr\n{result.stderr[-6000:]}\n--- product\n{product.output()}"
    )
