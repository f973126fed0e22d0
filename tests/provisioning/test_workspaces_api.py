"""Workspaces through the provisioning service's API, with the real inventory service, real Terraform
and the lab VM double standing in for the vSphere module (tests/provisioning/support.py), on a fake lab
whose hosts are directories (no lab here: nothing answers SSH at the VMs' loopback addresses, so
registration is the step that fails; test_workspaces_lab.py registers real lab hosts).

- refused before anything is created, naming the field: an unknown plan, three masters over two zones,
  a zone whose pool is too small (naming the zone and the pool), a bad name, a read-only member,
  another project;
- a workspace allocates its VMs' addresses from the zones' pools and Terraform creates them through
  the double; the state is stored sealed in the service, the cloud password in no operation's spec;
- a failed apply (the double refuses the third VM) names the VM, keeps what was created, and a retry
  resumes at the failed phase without creating anything twice;
- a delete destroys every VM, gives every address back and removes the workspace.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from ko_common.identity import Identity
from tests.provisioning.support import OUTSIDER, PASSWORD, PM, RO, World, provisioning_world
from tests.support.procs import NatsServer

LAB = "kofake"
ADDRESSES = [f"127.77.0.{10 + i}" for i in range(4)]  # loopback: nothing answers SSH there, at once


def fake_lab(root: Path) -> Path:
    state = root / LAB
    hosts = []
    for i, ip in enumerate(ADDRESSES):
        host_root = state / f"lab{i}" / "merged"
        (host_root / "root/.ssh").mkdir(parents=True)
        (host_root / "root/.ssh/authorized_keys").write_text("ssh-ed25519 AAAAlabkey ko-lab\n")
        hosts.append({"name": f"lab{i}", "ip": ip, "port": 22, "key_path": str(state / "id"), "user": "ko",
                      "password": "x", "netns": f"{LAB}-lab{i}", "veth": f"{LAB}-lab{i}",
                      "root": str(host_root)})  # fmt: skip
    (state / "lab.json").write_text(json.dumps({"subnet": "127.77.0.0/24", "hosts": hosts}))
    return root


@pytest.fixture
def world(tmp_path: Path, nats_server: NatsServer) -> Iterator[World]:
    labs = fake_lab(tmp_path / "labs")
    with provisioning_world(tmp_path, nats_server.url, labs, LAB, ADDRESSES, "127.77.0.1") as w:
        yield w


def test_refusals_name_the_field_and_create_nothing(world: World) -> None:
    w = world
    c = w.cloud()
    ha2 = w.cloud(topology="ha", zones=2, workers=0, pool=c["pool"])
    path = "/api/v1/workspaces"

    def refused(body: dict[str, Any], who: Identity = PM) -> dict[str, Any]:
        r = w.call("POST", path, who, json=body)
        assert r.status_code in (403, 404, 409, 422), r.text
        return {"status": r.status_code, **r.json()}

    unknown = refused({"project_id": "pp1", "name": "a", "plan_id": "nope"})
    assert (unknown["status"], unknown["field"]) == (422, "plan_id"), unknown
    quorum = refused({"project_id": "pp1", "name": "b", "plan_id": ha2["plan"]})
    assert (quorum["status"], quorum["field"]) == (422, "plan_id") and "quorum" in quorum["detail"], quorum
    big = refused({"project_id": "pp1", "name": "c", "plan_id": c["plan"], "worker_count": 9})
    assert (big["status"], big["field"]) == (422, "worker_count"), big
    assert "z0-single-2" in big["detail"] and "p-single-2" in big["detail"], big
    bad_name = refused({"project_id": "pp1", "name": "Not_A_Name", "plan_id": c["plan"]})
    assert bad_name["status"] == 422 and "name" in json.dumps(bad_name), bad_name
    assert refused({"project_id": "pp1", "name": "d", "plan_id": c["plan"]}, RO)["status"] == 403
    assert refused({"project_id": "pp1", "name": "d", "plan_id": c["plan"]}, OUTSIDER)["status"] == 404
    assert w.call("GET", path).json()["total"] == 0
    assert w.free(c["pool"]) == len(ADDRESSES)
    assert w.registry() == {}


def test_a_workspace_is_created_fails_at_the_third_vm_resumes_and_is_destroyed(world: World) -> None:
    w = world
    c = w.cloud()
    w.settings.terraform_extra_vars["fail_on"] = "east-worker-2"  # the double refuses the third VM
    r = w.call("POST", "/api/v1/workspaces", json={"project_id": "pp1", "name": "east", "plan_id": c["plan"]})
    assert r.status_code == 201, r.text
    ws = r.json()
    assert [(v["name"], v["role"], v["zone_id"]) for v in ws["vms"]] == [
        ("east-master-1", "master", c["zones"][0]),
        ("east-worker-1", "worker", c["zones"][0]),
        ("east-worker-2", "worker", c["zones"][1]),
    ]
    assert w.call("GET", f"/api/v1/workspaces/{ws['id']}", RO).status_code == 200
    assert w.call("GET", f"/api/v1/workspaces/{ws['id']}", OUTSIDER).status_code == 404

    failed = w.wait(ws["id"], "failed")
    assert "east-worker-2" in failed["message"] and failed["operation"]["failure"]["phase"] == "apply", failed
    vms = {v["name"]: v for v in failed["vms"]}
    assert {v["address"] for v in vms.values()} == set(ADDRESSES[:3]), vms  # allocated before the apply
    assert w.free(c["pool"]) == len(ADDRESSES) - 3
    assert set(w.registry()) == {"east-master-1", "east-worker-1"}, "the double should hold the two created VMs"
    engine = create_engine(w.db_url)
    with engine.connect() as conn:
        sealed = conn.execute(text("SELECT data_enc FROM terraform_states")).scalars().all()
        specs = conn.execute(text("SELECT spec FROM operations")).scalars().all()
    engine.dispose()
    assert sealed and not any(PASSWORD in s or "east-master-1" in s for s in sealed), "the state is not sealed"
    assert not any(PASSWORD in json.dumps(s) for s in specs), "the cloud password is in an operation's spec"

    # The cause fixed, a retry resumes at apply: the two VMs are kept (same provider ids), the third made.
    del w.settings.terraform_extra_vars["fail_on"]
    assert w.call("POST", f"/api/v1/workspaces/{ws['id']}/retry", RO).status_code == 403
    assert w.call("POST", f"/api/v1/workspaces/{ws['id']}/retry").status_code == 202
    again = w.wait(ws["id"], "failed", "ready")
    # No SSH answers on the fake lab: registration is where it stops now, naming a VM.
    assert again["status"] == "failed" and again["operation"]["failure"]["phase"] == "register", again
    assert set(w.registry()) == {"east-master-1", "east-worker-1", "east-worker-2"}
    created = {v["name"]: v for v in again["vms"]}
    assert all(v["status"] == "created" and v["provider_id"].startswith(f"labvm-{n}-") for n, v in created.items())

    d = w.call("DELETE", f"/api/v1/workspaces/{ws['id']}")
    assert d.status_code == 202 and d.json()["status"] == "destroying", d.text
    w.wait(ws["id"], "gone")
    assert w.registry() == {}
    assert w.free(c["pool"]) == len(ADDRESSES)
    assert w.call("GET", "/api/v1/workspaces").json()["total"] == 0
