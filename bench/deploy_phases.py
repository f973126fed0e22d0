"""Wall time of each deploy phase and of the whole deploy on lab hosts (issue 5), through the product.

For each topology (1 master + 1 worker; 3 masters + 1 worker with an external VIP):

1. first run: the cluster created through the API, deployed by the deployment service with the
   real playbooks and the real test offline package (phase timings from the operation);
2. second run: every deploy phase again (nothing to change) through the engine's own runner
   (`ko_common.operations.ansible.runner.run_phase`, the settings the product uses: Ansible pipelining and
   SSH multiplexing with ControlPersist), with the `changed` count of each phase;
3. the same second run with pipelining and multiplexing OFF (the runner's env overridden here only:
   the product always runs with both on), to show what they are worth;

then the cluster is deleted (reset) before the next topology. Targets (3+1): etcd + containerd
phases < 90 s on the first run, < 30 s on the second; the whole deploy < 8 min, second run < 3 min.

Starts its own lab (KO_LAB_NAME / KO_LAB_SUBNET, default `kobenchd`, 10.213.12.0/24; 4 hosts) and
its own product (NATS, inventory, deployment service, temp data dir). Needs root (the lab).

    .venv/bin/python bench/deploy_phases.py [--topologies 1+1,3+1] [--skip-off] [--json out.json]
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ko_common.operations.ansible import runner
from tests.deployment.engine_support import Engine, lab_engine, phase_seconds
from tests.lab.lab import Lab
from tests.support.offline_package import build_test_package

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ROOT / "playbooks"
DEPLOY = [(p["name"], p["playbook"]) for p in yaml.safe_load((PLAYBOOKS / "operations.yml").read_text())["deploy"]]
OFF = {
    "ANSIBLE_PIPELINING": "False",
    "ANSIBLE_SSH_ARGS": "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o ControlMaster=no "
    "-o ControlPersist=no -o ConnectTimeout=10",
}
ON = {
    # The product's own arguments, without its known_hosts (the bench does not fetch host keys).
    "ANSIBLE_SSH_ARGS": "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o ControlMaster=auto "
    "-o ControlPersist=30s -o ServerAliveInterval=15 -o ConnectTimeout=10",
}


def run_again(engine: Engine, op_id: str, workdir: Path, envvars: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Every deploy phase again with the operation's inventory groups and extra-vars, through the
    engine's runner; seconds and `changed` count per phase."""
    with sqlite3.connect(engine.data_dir / "deployment.db") as db:
        spec = json.loads(db.execute("SELECT spec FROM operations WHERE id = ?", (op_id,)).fetchone()[0])
    by_id = dict(zip(engine.host_ids, engine.lab_hosts, strict=True))
    nodes = []
    for node in spec["nodes"]:
        host = by_id[node["host_id"]]
        nodes.append(
            runner.NodeAccess(
                name=host.name, ip=host.ip, port=22, username="root", host_key=None, groups=tuple(node["groups"]),
                hostvars=node.get("hostvars", {}), private_key=Path(host.key_path).read_text(),
            )
        )  # fmt: skip
    runner.prepare(workdir, nodes, spec.get("vars") or {})
    (workdir / "artifacts").mkdir(mode=0o700, exist_ok=True)
    out: dict[str, dict[str, Any]] = {}
    for name, playbook in DEPLOY:
        events: list[runner.AnsibleEvent] = []
        started = time.monotonic()
        result = runner.run_phase(
            runner.PhaseRun(
                operation_id=f"bench-{op_id}", phase=name, playbook=PLAYBOOKS / playbook, workdir=workdir,
                extravars={**spec["extravars"], "ko_artifacts_dir": str(workdir / "artifacts")}, envvars=envvars,
            ),
            events.append, threading.Event(),
        )  # fmt: skip
        if result.status != "succeeded":
            raise SystemExit(f"{name}: {result.status} (rc {result.rc})")
        changed = sum(sum((e.data.get("changed") or {}).values()) for e in events if e.kind == "stats")
        out[name] = {"seconds": round(time.monotonic() - started, 1), "changed": changed}
    return out


def deploy(engine: Engine, masters: int, workers: int, vip: str, work: Path, skip_off: bool) -> dict[str, Any]:
    ids = engine.host_ids[: masters + workers]
    body: dict[str, Any] = {
        "project_id": "p1", "name": f"bench-{masters}-{workers}", "version": "1.36.0",
        "topology": "ha" if masters == 3 else "single",
        "nodes": [{"host_id": h, "role": "master" if i < masters else "worker"} for i, h in enumerate(ids)],
    }  # fmt: skip
    if masters > 1:
        body["load_balancer"] = {"mode": "external", "vip": vip}
    r = engine.call("POST", "/api/v1/clusters", json=body)
    if r.status_code != 201:
        raise SystemExit(f"create: {r.status_code} {r.text}")
    cluster_id, op_id = r.json()["id"], r.json()["operation"]["id"]
    started = time.monotonic()
    op = engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=3600)
    total = time.monotonic() - started
    if op["status"] != "succeeded":
        raise SystemExit(f"deploy {masters}+{workers}: {op['status']}: {op['failure']}")
    result: dict[str, Any] = {"first": {"total": round(total, 1), "phases": phase_seconds(op)}}
    runs = [("second", ON)] + ([] if skip_off else [("second_without_pipelining", OFF)])
    for label, envvars in runs:
        started = time.monotonic()
        phases = run_again(engine, op_id, work / f"{masters}-{workers}-{label}", envvars)
        result[label] = {"total": round(time.monotonic() - started, 1), "phases": phases}
    r = engine.call("DELETE", f"/api/v1/clusters/{cluster_id}")
    started = time.monotonic()
    reset = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled", timeout=1200)
    result["reset"] = {"status": reset["status"], "total": round(time.monotonic() - started, 1)}
    if reset["status"] != "succeeded":
        raise SystemExit(f"reset {masters}+{workers}: {reset['failure']}")
    return result


def report(name: str, result: dict[str, Any]) -> None:
    runs = [k for k in ("first", "second", "second_without_pipelining") if k in result]
    print(f"\n== {name} ==")
    print(f"{'phase':<22}" + "".join(f"{k[:26]:>28}" for k in runs))
    for phase, _ in DEPLOY:
        cells = []
        for k in runs:
            v = result[k]["phases"].get(phase)
            cells.append(f"{v['seconds']:>7.1f} s changed={v['changed']:<3}" if isinstance(v, dict) else f"{v} s")
        print(f"{phase:<22}" + "".join(f"{c:>28}" for c in cells))
    print(f"{'whole deploy':<22}" + "".join(f"{result[k]['total']:>26.1f} s" for k in runs))
    pairs = {k: result[k]["phases"] for k in runs}

    def sec(v: Any) -> float:
        return float(v["seconds"] if isinstance(v, dict) else v)

    for k, phases in pairs.items():
        print(f"etcd + container-runtime ({k}): {sec(phases['etcd']) + sec(phases['container-runtime']):.1f} s")
    print(f"reset: {result['reset']['total']} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topologies", default="1+1,3+1", help="comma-separated masters+workers (default 1+1,3+1)")
    parser.add_argument("--skip-off", action="store_true", help="skip the run without pipelining/multiplexing")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--attach",
        type=int,
        metavar="FIRST",
        help="use the running lab KO_LAB_NAME (not started or stopped here) from its host number FIRST (0-based)",
    )
    args = parser.parse_args()
    topologies = [tuple(int(n) for n in t.split("+")) for t in args.topologies.split(",")]
    hosts = max(m + w for m, w in topologies)
    name = os.environ.get("KO_LAB_NAME", "kobenchd")
    first = args.attach or 0
    if args.attach is not None:
        lab = Lab.load(name)
        if len(lab.hosts) < first + hosts:
            raise SystemExit(f"lab {name} has {len(lab.hosts)} hosts: {first + hosts} needed")
    else:
        lab = Lab(hosts, name=name, subnet=os.environ.get("KO_LAB_SUBNET", "10.213.12.0/24"))
    vip = str(ipaddress.ip_network(lab.net).network_address + 240 + first)  # not the HA lab test's (.250)
    package = build_test_package()
    results: dict[str, Any] = {}
    if args.attach is None:
        lab.up()
    try:
        with tempfile.TemporaryDirectory(prefix="ko-bench-") as tmp:
            work = Path(tmp)
            with lab_engine(
                lab,
                work,
                hosts=lab.hosts[first : first + hosts],
                playbooks=PLAYBOOKS,
                host=lab.gateway,
                package=package,
            ) as engine:
                for masters, workers in topologies:
                    name = f"{masters}+{workers}"
                    results[name] = deploy(engine, masters, workers, vip, work, args.skip_off)
                    report(name, results[name])
    finally:
        if args.attach is None:
            lab.down()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
