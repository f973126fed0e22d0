"""Provisioning (issue 18): the service's overhead around Terraform, and concurrent workspaces.

Both run the real inventory and provisioning services (uvicorn, SQLite, NATS JetStream), real Terraform
and the lab VM double in place of the vSphere module (tests/provisioning/support.py), as the tests do.

1. **Overhead** (target: under 10 s beyond Terraform's own run for 3 VMs): a lab of 3 hosts of its own
   (tests/lab; root needed), a workspace of 1 master + 2 workers created through the API until ready:
   addresses allocated, Terraform applied through the double, the VMs registered as inventory hosts
   over SSH with facts. Overhead = the wall time from the POST to `ready` minus the apply phase (the
   Terraform process: init, apply, output). Each phase's time is printed; then the delete's.
2. **Concurrency** (target: no address handed out twice, no state lost): 20 workspaces of 3 VMs
   created at once on one pool of 60 addresses (directories standing for lab hosts: registration, which
   needs SSH, is where each stops), 4 operations at a time. Checked: every workspace got 3 distinct
   addresses, no address in two workspaces, the double holds 60 VMs at 60 addresses, every workspace's
   Terraform state is stored with its 3 VMs; then all deleted: every address free, the double empty.

    .venv/bin/python bench/provisioning.py [--skip-lab] [--workspaces 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ko_common.crypto import SecretBox, attach
from ko_common.db import Database
from ko_provisioning.workspaces.state import DatabaseStateStore
from tests.provisioning.support import World, provisioning_world
from tests.support.procs import start_nats


def _seconds(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def overhead(tmp: Path, nats_url: str) -> None:
    from tests.lab.lab import Lab, LabError

    if os.geteuid() != 0:
        print("overhead: skipped (the lab needs root)")
        return
    lab = Lab(3, name="kobench", subnet="10.217.0.0/24")
    try:
        lab.up()
    except LabError as exc:
        print(f"overhead: skipped ({exc})")
        return
    try:
        with provisioning_world(tmp / "o", nats_url, lab.state.parent, lab.name, [h.ip for h in lab.hosts],
                                lab.gateway) as w:  # fmt: skip
            c = w.cloud()
            started = time.monotonic()
            r = w.call("POST", "/api/v1/workspaces", json={"project_id": "pp1", "name": "bench", "plan_id": c["plan"]})
            assert r.status_code == 201, r.text
            ws = w.wait(r.json()["id"], "ready", "failed", timeout=600)
            total = time.monotonic() - started
            assert ws["status"] == "ready", ws
            phases = {p["name"]: _seconds(p["started_at"], p["ended_at"]) for p in ws["operation"]["phases"]}
            print(f"overhead: 3 VMs ready in {total:.1f} s; apply (Terraform) {phases['apply']:.1f} s; "
                  f"overhead {total - phases['apply']:.1f} s (target < 10 s)")  # fmt: skip
            print("  phases: " + ", ".join(f"{n} {s:.2f} s" for n, s in phases.items()))
            started = time.monotonic()
            assert w.call("DELETE", f"/api/v1/workspaces/{ws['id']}").status_code == 202
            w.wait(ws["id"], "gone", timeout=600)
            print(f"  delete (forget hosts, destroy, release): {time.monotonic() - started:.1f} s")
    finally:
        lab.down()


def fake_lab(root: Path, name: str, addresses: list[str]) -> Path:
    state = root / name
    hosts = []
    for i, ip in enumerate(addresses):
        host_root = state / f"h{i}" / "merged"
        (host_root / "root/.ssh").mkdir(parents=True)
        (host_root / "root/.ssh/authorized_keys").write_text("ssh-ed25519 AAAAbench lab\n")
        hosts.append({"name": f"h{i}", "ip": ip, "port": 22, "key_path": "", "user": "ko", "password": "x",
                      "netns": "", "veth": "", "root": str(host_root)})  # fmt: skip
    (state / "lab.json").write_text(json.dumps({"subnet": "127.78.0.0/24", "hosts": hosts}))
    return root


def states(w: World, ids: list[str], secret_dir: Path) -> dict[str, int]:
    """How many VMs each workspace's newest stored state holds."""

    async def read() -> dict[str, int]:
        db = Database(w.settings.resolved_database_url, "provisioning")
        attach(db.sessionmaker, SecretBox.from_settings(w.settings))
        store = DatabaseStateStore(db)
        try:
            out = {}
            for ws_id in ids:
                data = await store.load(f"{ws_id}/vsphere")
                doc = json.loads(data) if data else {"resources": []}
                out[ws_id] = sum(
                    len(r.get("instances") or []) for r in doc["resources"] if r["type"] == "null_resource"
                )
            return out
        finally:
            await db.dispose()

    return asyncio.run(read())


def concurrency(tmp: Path, nats_url: str, count: int) -> None:
    addresses = [f"127.78.0.{10 + i}" for i in range(count * 3)]
    labs = fake_lab(tmp / "c-labs", "kobfake", addresses)
    with provisioning_world(tmp / "c", nats_url, labs, "kobfake", addresses, "127.78.0.1", workers=4) as w:
        c = w.cloud()
        ids: list[str] = []
        errors: list[str] = []

        def create(i: int) -> None:
            r = w.call("POST", "/api/v1/workspaces", json={"project_id": "pp1", "name": f"ws{i}", "plan_id": c["plan"]})
            (ids.append(r.json()["id"]) if r.status_code == 201 else errors.append(r.text))

        started = time.monotonic()
        threads = [threading.Thread(target=create, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        done = [w.wait(i, "failed", "ready", timeout=1200) for i in ids]
        elapsed = time.monotonic() - started
        stopped = {d["operation"]["failure"]["phase"] if d["operation"]["failure"] else "-" for d in done}
        if "apply" in stopped:
            print("  apply failed:", next(d["message"] for d in done if "apply" in d["message"])[:600])
        given = [v["address"] for d in done for v in d["vms"]]
        per_ws_distinct = all(len({v["address"] for v in d["vms"]}) == 3 for d in done)
        registry = w.registry()
        held = states(w, ids, tmp)
        print(f"concurrency: {count} workspaces x 3 VMs at once in {elapsed:.1f} s (stopped at: {sorted(stopped)}; "
              "registration needs SSH hosts)")  # fmt: skip
        print(f"  addresses handed out {len(given)}, distinct {len(set(given))}, each workspace 3 distinct: "
              f"{per_ws_distinct}; the double holds {len(registry)} VMs at "
              f"{len({v['address'] for v in registry.values()})} addresses; states with 3 VMs: "
              f"{sum(1 for n in held.values() if n == 3)}/{count}")  # fmt: skip
        started = time.monotonic()
        for i in ids:
            assert w.call("DELETE", f"/api/v1/workspaces/{i}").status_code == 202
        for i in ids:
            w.wait(i, "gone", timeout=1200)
        print(f"  all deleted in {time.monotonic() - started:.1f} s: free addresses {w.free(c['pool'])}/"
              f"{len(addresses)}, the double holds {len(w.registry())} VMs")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-lab", action="store_true", help="skip the overhead part (it brings a lab up)")
    parser.add_argument("--workspaces", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ko-bench-prov-") as tmp_name:
        tmp = Path(tmp_name)
        nats = start_nats(tmp / "nats")
        try:
            os.environ["KO_REGION_LOGIN_CHECK"] = "false"
            if not args.skip_lab:
                overhead(tmp, nats.url)
            concurrency(tmp, nats.url, args.workspaces)
        finally:
            nats.stop()


if __name__ == "__main__":
    main()
