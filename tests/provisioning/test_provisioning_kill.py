"""kill -9 of the provisioning service mid-apply, then its restart: the operation resumes at the apply,
Terraform's state of the killed run is kept, and no VM is made twice (issue 18).

The provisioning service runs as its own process (`python -m ko_provisioning`), the inventory in this
one, and the lab VM double (on directories standing for lab hosts; each VM's creation lasts 8 s here)
stands in for the vSphere module. The job is redelivered after the engine's ack wait (30 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ko_provisioning.app import ProvisioningSettings
from tests.provisioning.support import World, provisioning_world
from tests.provisioning.test_workspaces_api import fake_lab
from tests.support.procs import NatsServer, free_port, wait_port

ADDRESSES = [f"127.77.0.{10 + i}" for i in range(4)]


def _plain(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


class Service:
    """The provisioning service as a process of its own, with `world`'s settings."""

    def __init__(self, settings: ProvisioningSettings, log: Path) -> None:
        self.port = free_port()
        self.log = log
        extra = settings.terraform_extra_vars
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KO_")},
            "KO_ENV": "development", "KO_DATA_DIR": str(settings.data_dir) + "-proc",
            "KO_DATABASE_URL": settings.resolved_database_url, "KO_NATS_URL": settings.nats_url,
            "KO_IDENTITY_KEY": _plain(settings.identity_key), "KO_SECRET_KEY": _plain(settings.secret_key),
            "KO_INVENTORY_URL": settings.inventory_url, "KO_HTTP_PORT": str(self.port), "KO_WORKERS": "1",
            "KO_TERRAFORM_MODULES_DIR": str(settings.terraform_modules_dir),
            "KO_TERRAFORM_PLUGIN_DIR": str(settings.terraform_plugin_dir),
            # Each VM is recorded at once, then its creation lasts 8 s more: the kill lands mid-apply.
            "KO_TERRAFORM_EXTRA_VARS": json.dumps({"lab_command": ["sh", "-c", '"$0" "$@" && sleep 8',
                                                                   *extra["lab_command"]]}),
        }  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "ko_provisioning"], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)  # fmt: skip
        wait_port(self.port, timeout=60, proc=self.proc)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def world(tmp_path: Path, nats_server: NatsServer) -> Iterator[tuple[World, Service]]:
    labs = fake_lab(tmp_path / "labs")
    # The in-process service runs no worker: the process below does the work.
    with provisioning_world(tmp_path, nats_server.url, labs, "kofake", ADDRESSES, "127.77.0.1", workers=0) as w:
        service = Service(w.settings, tmp_path / "provisioning.log")
        service.start()
        w.provisioning = service.url
        try:
            yield w, service
        finally:
            service.stop()


def _phase(ws: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in ws["operation"]["phases"] if p["name"] == name)


def test_kill_9_mid_apply_then_resume_without_duplicate_vms(world: tuple[World, Service]) -> None:
    w, service = world
    c = w.cloud()
    r = w.call("POST", "/api/v1/workspaces", json={"project_id": "pp1", "name": "kill", "plan_id": c["plan"]})
    assert r.status_code == 201, r.text
    ws_id = r.json()["id"]
    deadline = time.monotonic() + 120
    while not w.registry():  # the first VM made: Terraform is mid-apply
        assert time.monotonic() < deadline, w.call("GET", f"/api/v1/workspaces/{ws_id}").json()
        time.sleep(0.2)
    assert _phase(w.call("GET", f"/api/v1/workspaces/{ws_id}").json(), "apply")["status"] == "running"
    service.kill()
    service.start()

    ws = w.wait(ws_id, "failed", "ready", timeout=240)
    log = service.log.read_text(errors="replace")[-3000:]
    # No SSH answers on the fake lab: registration is where it stops, past the resumed apply.
    assert ws["operation"]["failure"]["phase"] == "register", f"{ws}\n{log}"
    assert _phase(ws, "apply")["runs"] == 2 and ws["operation"]["attempts"] == 2, ws["operation"]
    vms = {v["name"]: v for v in ws["vms"]}
    assert all(v["status"] == "created" and v["provider_id"] for v in vms.values()), vms
    registry = w.registry()
    assert set(registry) == set(vms), registry
    assert sorted(v["address"] for v in registry.values()) == sorted(v["address"] for v in vms.values())
    assert len({v["address"] for v in vms.values()}) == 3

    assert w.call("DELETE", f"/api/v1/workspaces/{ws_id}").status_code == 202
    w.wait(ws_id, "gone", timeout=120)
    assert w.registry() == {} and w.free(c["pool"]) == len(ADDRESSES)
