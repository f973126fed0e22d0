"""The engine's whole path for tests: an own nats-server, inventory (in this process) with lab hosts
registered, and the deployment service as a separate process that a test may kill -9 and restart.

Operations are created the way the cluster API will (ko_deployment.operations.service.create, in a
transaction of the deployment database); everything after that is the product's own path: the
outbox relay queues the job on JetStream, a worker takes it, fetches the logins from inventory and
runs the phases with ansible-runner over SSH on the lab hosts.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from ko_common.db import Database
from ko_common.identity import Identity
from ko_deployment.models import OUTBOX
from ko_deployment.operations import service
from ko_inventory.app import InventorySettings
from ko_inventory.app import create_app as create_inventory
from tests.deployment.conftest import ADMIN
from tests.inventory.support import announce, wait_known
from tests.lab.lab import Host, Lab
from tests.support.offline_package import PackageUnavailable, build_test_package
from tests.support.procs import NatsServer, free_port, start_nats, wait_port
from tests.support.serve import identity_headers, served

IDENTITY_KEY = "e" * 32
PM = Identity("u-pm", "pm", projects={"p1": "project-manager"})
PLAYBOOKS = Path(__file__).parent / "playbooks"
PRODUCT_PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
PHASES = [
    service.PhaseSpec("one", "phase-one.yml"),
    service.PhaseSpec("two", "phase-two.yml"),
    service.PhaseSpec("three", "phase-three.yml"),
]
SECRET_KEY = base64.b64encode(b"k" * 32).decode()


@dataclass
class Engine:
    nats: NatsServer
    inventory_url: str
    data_dir: Path
    lab: Lab
    host_ids: list[str]
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30, trust_env=False))
    playbooks: Path = PLAYBOOKS
    # Where the service listens: the lab's bridge address when the nodes fetch from its repository.
    host: str = "127.0.0.1"
    # The lab hosts registered, in the order of host_ids.
    lab_hosts: list[Host] = field(default_factory=list)
    # Settings of the service's next start (a test restarts it with other settings).
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{self.data_dir / 'deployment.db'}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "deployment.log"

    def start(self) -> None:
        env = {
            **os.environ,
            "KO_ENV": "development",
            "KO_DATA_DIR": str(self.data_dir),
            "KO_NATS_URL": self.nats.url,
            "KO_IDENTITY_KEY": IDENTITY_KEY,
            "KO_HTTP_PORT": str(self.port),
            "KO_INVENTORY_URL": self.inventory_url,
            "KO_PLAYBOOKS_DIR": str(self.playbooks),
            "KO_HTTP_HOST": self.host,
            "KO_WORKERS": "2",
            "KO_LOG_LEVEL": "INFO",
            **self.env,
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ko_deployment"],
            env=env,
            stdout=open(self.log_path, "ab"),  # noqa: SIM115 - lives as long as the process
            stderr=subprocess.STDOUT,
        )
        wait_port(self.port, timeout=60, proc=self.proc, host=self.host)
        deadline = time.monotonic() + 60
        while self.http.get(self.url + "/readyz").status_code != 200:
            assert time.monotonic() < deadline, "deployment service not ready"
            time.sleep(0.1)

    def kill(self) -> None:
        """kill -9: no shutdown hook runs, the playbook it was running is orphaned."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def call(self, method: str, path: str, who: Identity = PM, **kw: Any) -> httpx.Response:
        headers = identity_headers(who, IDENTITY_KEY.encode(), "deployment")
        return self.http.request(method, self.url + path, headers=headers, **kw)

    def create(self, cluster_id: str, **extravars: Any) -> str:
        spec = {
            "nodes": [
                {"host_id": self.host_ids[0], "groups": ["masters"]},
                {"host_id": self.host_ids[1], "groups": ["workers"]},
            ],
            "extravars": extravars,
        }

        async def make() -> str:
            db = Database(self.database_url, "deployment")
            db.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "deployment"})
            try:
                async with db.transaction() as session:
                    op = await service.create(
                        session, project_id="p1", cluster_id=cluster_id, kind="test", phases=PHASES, spec=spec,
                        created_by="pm",
                    )  # fmt: skip
                    return op.id
            finally:
                await db.dispose()

        return asyncio.run(make())

    def operation(self, op_id: str) -> dict[str, Any]:
        r = self.call("GET", f"/api/v1/operations/{op_id}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def wait(
        self, op_id: str, *statuses: str, timeout: float = 180, phase: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """Poll until the operation has one of ``statuses`` (or ``phase`` = (name, status))."""
        deadline = time.monotonic() + timeout
        while True:
            op = self.operation(op_id)
            if phase is not None:
                if any(p["name"] == phase[0] and p["status"] == phase[1] for p in op["phases"]):
                    return op
            elif op["status"] in statuses:
                return op
            assert time.monotonic() < deadline, f"operation not {statuses or phase} in time: {op}"
            time.sleep(0.1)

    def events(self, op_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.call("GET", f"/api/v1/operations/{op_id}/events", params={"after": after}).json()
            out += page["items"]
            if not page["items"]:
                return out
            after = page["items"][-1]["counter"]

    def inventory_hosts(self) -> dict[str, dict[str, Any]]:
        headers = identity_headers(PM, IDENTITY_KEY.encode(), "inventory")
        items = self.http.get(self.inventory_url + "/api/v1/hosts", headers=headers).json()["items"]
        return {h["id"]: h for h in items}

    def import_package(self, package: Path, admin: Identity, timeout: float = 120) -> dict[str, Any]:
        """Import an offline package through the API and wait until it is ready."""
        r = self.call("POST", "/api/v1/offline-packages", who=admin, json={"source": str(package)})
        assert r.status_code == 202, r.text
        deadline = time.monotonic() + timeout
        while (p := self.call("GET", f"/api/v1/offline-packages/{r.json()['id']}", who=admin).json())[
            "status"
        ] == "importing":
            assert time.monotonic() < deadline, p
            time.sleep(0.2)
        assert p["status"] == "ready", p
        body: dict[str, Any] = p
        return body

    def on_host(self, host: Host, command: str) -> str:
        from tests.lab.sshutil import ssh_root

        r = ssh_root(host, command)
        assert r.returncode == 0, r.stderr
        return r.stdout.strip()


def phase_seconds(op: dict[str, Any]) -> dict[str, float]:
    """Each finished phase's wall time (seconds) from an operation as the API returns it."""
    return {
        p["name"]: round(
            (datetime.fromisoformat(p["ended_at"]) - datetime.fromisoformat(p["started_at"])).total_seconds(), 1
        )
        for p in op["phases"]
        if p["started_at"] and p["ended_at"]
    }


@contextmanager
def lab_engine(
    lab: Lab,
    tmp: Path,
    *,
    hosts: list[Host] | None = None,
    playbooks: Path = PLAYBOOKS,
    host: str = "127.0.0.1",
    package: Path | None = None,
) -> Iterator[Engine]:
    """An own nats-server, inventory (in this process) with ``hosts`` (default: the lab's first two)
    registered under one root key credential in project p1, and the deployment service started on
    ``playbooks``, listening on ``host``; with ``package``, that offline package imported (ready).
    Everything is stopped on exit."""
    nats_server = start_nats(tmp / "nats")
    settings = InventorySettings(
        data_dir=tmp / "inventory",
        database_url=f"sqlite+aiosqlite:///{tmp}/inventory.db",
        nats_url=nats_server.url,
        identity_key=IDENTITY_KEY,
        secret_key=SECRET_KEY,
    )
    try:
        with served(create_inventory(settings)) as inventory, httpx.Client(timeout=60, trust_env=False) as http:
            asyncio.run(announce(nats_server.url, "created", "p1"))
            asyncio.run(wait_known(settings.resolved_database_url, ("p1",)))
            headers = identity_headers(PM, IDENTITY_KEY.encode(), "inventory")
            cred = http.post(
                f"{inventory}/api/v1/credentials", headers=headers,
                json={"project_id": "p1", "name": "root", "username": "root", "auth_type": "private_key",
                      "private_key": Path(lab.hosts[0].key_path).read_text()},
            )  # fmt: skip
            assert cred.status_code == 201, cred.text
            host_ids = []
            hosts = lab.hosts[:2] if hosts is None else hosts
            for lab_host in hosts:
                r = http.post(
                    f"{inventory}/api/v1/hosts", headers=headers,
                    json={"project_id": "p1", "name": lab_host.name, "ip": lab_host.ip,
                          "credential_id": cred.json()["id"]},
                )  # fmt: skip
                assert r.status_code == 201, r.text
                host_ids.append(r.json()["id"])
            engine = Engine(nats_server, inventory, tmp / "deployment", lab, host_ids, playbooks=playbooks, host=host,
                            lab_hosts=hosts)  # fmt: skip
            engine.data_dir.mkdir()
            engine.start()
            try:
                if package is not None:
                    engine.import_package(package, ADMIN)
                yield engine
            finally:
                engine.stop()
    finally:
        nats_server.stop()


async def stream_counters(nats_url: str, op_id: str, expect: int, timeout: float = 15) -> list[int]:
    """The counters published on the operation's subject, in stream order (deduplicated by message id)."""
    nc = await nats.connect(nats_url)
    seen: list[int] = []
    try:
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
        sub = await nc.jetstream().pull_subscribe(
            f"ko.deployment.operation.{op_id}.event", stream="KO_OPERATION_EVENTS", config=config
        )
        deadline = asyncio.get_running_loop().time() + timeout
        while len(set(seen)) < expect and asyncio.get_running_loop().time() < deadline:
            try:
                msgs = await sub.fetch(batch=500, timeout=1)
            except NatsTimeout:
                continue
            seen += [json.loads(m.data)["data"]["counter"] for m in msgs]
    finally:
        await nc.close()
    return seen


def delete_cluster(engine: Engine, cluster_id: str, timeout: float = 600) -> None:
    """Delete a cluster through the API: its reset operation succeeds, then the cluster is gone."""
    r = engine.call("DELETE", f"/api/v1/clusters/{cluster_id}")
    assert r.status_code == 202, r.text
    reset = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled", timeout=timeout)
    assert reset["status"] == "succeeded", reset["failure"]
    deadline = time.monotonic() + 30
    while engine.call("GET", f"/api/v1/clusters/{cluster_id}").status_code != 404:
        assert time.monotonic() < deadline, "the cluster is still there after its reset"
        time.sleep(0.2)


@contextmanager
def deploy_engine(lab: Lab, tmp: Path, *, hosts: list[Host] | None = None) -> Iterator[Engine]:
    """``lab_engine`` for real deploys: the product's playbooks, the deployment service on the lab's
    bridge address (the nodes install from its repository) and the test offline package imported.
    Skips the test when the package cannot be built here."""
    try:
        package = build_test_package()
    except PackageUnavailable as exc:
        pytest.skip(str(exc))
    with lab_engine(lab, tmp, hosts=hosts, playbooks=PRODUCT_PLAYBOOKS, host=lab.gateway, package=package) as engine:
        yield engine
