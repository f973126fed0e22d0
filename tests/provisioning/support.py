"""The provisioning tests' world: the real inventory and provisioning services, real Terraform and the
lab VM double (tests/fakes/terraform-lab-vms, the real null provider) in place of the vSphere module, on
a lab (real, or directories standing for one): the IP pool's addresses are the lab hosts'.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ko_common.identity import Identity
from ko_inventory.app import InventorySettings
from ko_inventory.app import create_app as create_inventory
from ko_provisioning.app import ProvisioningSettings
from ko_provisioning.app import create_app as create_provisioning
from tests.inventory.support import announce, wait_known
from tests.support.serve import identity_headers, served

REPO = Path(__file__).resolve().parents[2]
DOUBLE = REPO / "tests/fakes/terraform-lab-vms"
TOOL = REPO / "tests/fakes/lab_vms.py"
PROVIDER = Path(sys.prefix) / "lib/terraform-provider-null_v2.1.2_x4"
KEY = "p" * 32
PM = Identity("u-pm", "pm", projects={"pp1": "project-manager"})
RO = Identity("u-ro", "ro", projects={"pp1": "read-only"})
OUTSIDER = Identity("u-out", "out", projects={"pp2": "project-manager"})
PASSWORD = "Vc-p@ss-never-shown"


@dataclass
class World:
    inventory: str
    provisioning: str
    http: httpx.Client
    labs: Path
    lab: str
    addresses: list[str]
    gateway: str
    settings: ProvisioningSettings
    db_url: str

    def call(self, method: str, path: str, who: Identity = PM, service: str = "provisioning", **kw: Any) -> Any:
        base = self.provisioning if service == "provisioning" else self.inventory
        return self.http.request(method, base + path, headers=identity_headers(who, KEY.encode(), service), **kw)

    def made(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.call("POST", path, service="inventory", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def wait(self, ws_id: str, *statuses: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            r = self.call("GET", f"/api/v1/workspaces/{ws_id}")
            if r.status_code == 404 and "gone" in statuses:
                return {}
            got = r.json()
            if r.status_code == 200 and got["status"] in statuses:
                return dict(got)
            assert time.monotonic() < deadline, got
            time.sleep(0.3)

    def free(self, pool_id: str) -> int:
        return int(self.call("GET", f"/api/v1/ip-pools/{pool_id}", service="inventory").json()["counts"]["free"])

    def registry(self) -> dict[str, Any]:
        path = self.labs / self.lab / "vms.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def cloud(self, *, topology: str = "single", zones: int = 2, workers: int = 2, pool: str | None = None
              ) -> dict[str, Any]:  # fmt: skip
        """A vSphere region, one pool of the lab's addresses (or `pool`), `zones` zones and a plan over them."""
        tag = f"{topology}-{zones}"
        region = self.made("/api/v1/regions", {
            "project_id": "pp1", "name": f"r-{tag}", "provider": "vsphere", "endpoint": "https://vc.example",
            "datacenter": "dc1", "username": "ko@vsphere.local", "password": PASSWORD})  # fmt: skip
        subnet = ".".join(self.gateway.split(".")[:3]) + ".0/24"
        pool_id = pool or self.made("/api/v1/ip-pools", {
            "project_id": "pp1", "name": f"p-{tag}", "subnet": subnet, "gateway": self.gateway,
            "ranges": [{"start": a, "end": a} for a in self.addresses]})["id"]  # fmt: skip
        zone_ids = [self.made("/api/v1/zones", {
            "project_id": "pp1", "name": f"z{i}-{tag}", "region_id": region["id"], "ip_pool_id": pool_id,
            "provider_settings": {"cluster": "c1", "datastore": "ds1", "template": "debian-12",
                                  "network": "VM Network"},
        })["id"] for i in range(zones)]  # fmt: skip
        size = {"cpus": 2, "memory_gib": 4, "disk_gib": 40}
        plan = self.made("/api/v1/plans", {
            "project_id": "pp1", "name": f"plan-{tag}", "region_id": region["id"], "topology": topology,
            "worker_count": workers, "master_size": size, "worker_size": size, "zone_ids": zone_ids})  # fmt: skip
        return {"plan": plan["id"], "pool": pool_id, "zones": zone_ids}


@contextmanager
def provisioning_world(tmp_path: Path, nats_url: str, labs: Path, lab: str, addresses: list[str], gateway: str,
                       workers: int = 1) -> Iterator[World]:  # fmt: skip
    if shutil.which("terraform") is None or not PROVIDER.exists():
        pytest.skip("needs terraform and the null provider 2.1.2 (a dev extra)")
    modules = tmp_path / "modules"
    # The double stands in for the vSphere module: the service runs the region's provider's module.
    shutil.copytree(DOUBLE, modules / "vsphere", ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    mirror = tmp_path / "mirror/registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    mirror.mkdir(parents=True)
    shutil.copy2(PROVIDER, mirror / PROVIDER.name)
    secret = base64.b64encode(b"k" * 32).decode()
    # The pool's addresses are lab hosts, which answer: probing them would mark them in use.
    inv = InventorySettings(
        data_dir=tmp_path / "inv", database_url=f"sqlite+aiosqlite:///{tmp_path}/inventory.db",
        nats_url=nats_url, identity_key=KEY, secret_key=secret, ip_probe_ports=[],
        region_login_check=False,  # the region's vCenter is made up: the lab VM double stands in for it
    )  # type: ignore[call-arg]  # fmt: skip
    with served(create_inventory(inv)) as inventory, httpx.Client(timeout=60, trust_env=False) as http:
        asyncio.run(announce(nats_url, "created", "pp1", "pp2"))
        asyncio.run(wait_known(inv.resolved_database_url, ("pp1", "pp2")))
        db_url = f"sqlite+aiosqlite:///{tmp_path}/provisioning.db"
        command = [sys.executable, str(TOOL), "--lab", lab, "--lab-state", str(labs)]
        prov = ProvisioningSettings(
            data_dir=tmp_path / "prov", database_url=db_url, nats_url=nats_url, identity_key=KEY,
            secret_key=secret, inventory_url=inventory, workers=workers, terraform_modules_dir=modules,
            terraform_plugin_dir=tmp_path / "mirror", terraform_extra_vars={"lab_command": command},
        )  # type: ignore[call-arg]  # fmt: skip
        with served(create_provisioning(prov)) as provisioning:
            yield World(inventory, provisioning, http, labs, lab, addresses, gateway, prov,
                        db_url.replace("+aiosqlite", ""))  # fmt: skip
