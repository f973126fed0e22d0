"""The operation engine's overhead on a real deploy (issue 14): the same 1 master + 1 worker deploy of
the real offline package (Kubernetes built from source, tests/support/real_package.py) on the same
two lab hosts, once through the deployment service (its engine: queue, worker, ansible-runner, the
event pump storing and publishing every event) and once with plain `ansible-playbook`, one run per
deploy phase with the same inventory groups, extra-vars and SSH settings (pipelining, ControlPersist);
the hosts are reset between (through the product, then with the reset playbook). Target: the engine
at most 5 % slower.

Uses the running lab KO_LAB_NAME (default kolab0, e.g. the one the tests started) from host FIRST;
needs root and the real binaries (see README, "Real Kubernetes for development").

    .venv/bin/python bench/engine_overhead.py [--attach FIRST] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.deployment.engine_support import lab_engine, phase_seconds
from tests.deployment.test_real_cluster_lab import CONTAINER_HOSTS, POD_CIDR, SERVICE_CIDR
from tests.lab.lab import Lab
from tests.support.real_package import build_real_package

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOKS = ROOT / "playbooks"
DEPLOY = [(p["name"], p["playbook"]) for p in yaml.safe_load((PLAYBOOKS / "operations.yml").read_text())["deploy"]]
SSH_ARGS = (
    "-o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o ControlMaster=auto "
    "-o ControlPersist=30s -o ServerAliveInterval=15 -o ConnectTimeout=10"
)


def plain(
    spec: dict[str, Any],
    hosts: dict[str, Any],
    repository: dict[str, Any],
    work: Path,
    playbooks: list[tuple[str, str]],
) -> dict[str, float]:
    """Each playbook with plain ansible-playbook (the operation's inventory and extra-vars); seconds each."""
    inventory_hosts: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for node in spec["nodes"]:
        host = hosts[node["host_id"]]
        inventory_hosts[host.name] = {
            "ansible_host": host.ip,
            "ansible_user": "root",
            "ansible_ssh_private_key_file": host.key_path,
            **node.get("hostvars", {}),
        }
        for group in node["groups"]:
            groups.setdefault(group, {"hosts": {}})["hosts"][host.name] = None
    work.mkdir(parents=True, exist_ok=True)
    (work / "inventory.yml").write_text(yaml.safe_dump({"all": {"hosts": inventory_hosts, "children": groups}}))
    extravars = {**spec["extravars"], "ko_repository": repository, "ko_artifacts_dir": str(work / "artifacts")}
    (work / "extravars.json").write_text(json.dumps(extravars))
    env = {
        **os.environ,
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_SSH_ARGS": SSH_ARGS,
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    seconds: dict[str, float] = {}
    for name, playbook in playbooks:
        started = time.monotonic()
        result = subprocess.run(
            ["ansible-playbook", "-i", str(work / "inventory.yml"), "-e", f"@{work / 'extravars.json'}",
             str(PLAYBOOKS / playbook)],
            cwd=work, env=env, capture_output=True, text=True,
        )  # fmt: skip
        seconds[name] = round(time.monotonic() - started, 1)
        if result.returncode != 0:
            raise SystemExit(f"plain {name}: rc {result.returncode}\n{result.stdout[-3000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attach", type=int, default=0, metavar="FIRST", help="first lab host to use (0-based)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    lab = Lab.load(os.environ.get("KO_LAB_NAME", "kolab0"))
    hosts = lab.hosts[args.attach : args.attach + 2]
    package = build_real_package()
    version = yaml.safe_load((package / "manifest.yaml").read_text())["kubernetesVersion"]
    with (
        tempfile.TemporaryDirectory(prefix="ko-bench-overhead-") as tmp,
        lab_engine(lab, Path(tmp), hosts=hosts, playbooks=PLAYBOOKS, host=lab.gateway, package=package) as engine,
    ):
        body = {
            "project_id": "p1", "name": "overhead", "version": version, "topology": "single",
            "nodes": [{"host_id": h, "role": "master" if i == 0 else "worker"} for i, h in enumerate(engine.host_ids)],
            "network": {"plugin": "none", "pod_cidr": POD_CIDR, "service_cidr": SERVICE_CIDR},
            "addons": {"coredns": False, "metrics_server": False}, "ingress": {"enabled": False},
            "advanced": CONTAINER_HOSTS,
        }  # fmt: skip
        started = time.monotonic()
        r = engine.call("POST", "/api/v1/clusters", json=body)
        if r.status_code != 201:
            raise SystemExit(f"create: {r.status_code} {r.text}")
        cluster_id, op_id = r.json()["id"], r.json()["operation"]["id"]
        op = engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=3600)
        engine_total = time.monotonic() - started
        if op["status"] != "succeeded":
            raise SystemExit(f"deploy: {op['status']}: {op['failure']}")
        with sqlite3.connect(engine.data_dir / "deployment.db") as db:
            spec = json.loads(db.execute("SELECT spec FROM operations WHERE id = ?", (op_id,)).fetchone()[0])
        r = engine.call("DELETE", f"/api/v1/clusters/{cluster_id}")
        reset = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled", timeout=1200)
        if reset["status"] != "succeeded":
            raise SystemExit(f"reset: {reset['failure']}")
        repository = {"url": "", "port": engine.port, "path": "/repository"}
        by_id = dict(zip(engine.host_ids, hosts, strict=True))
        plain_phases = plain(spec, by_id, repository, Path(tmp) / "plain", DEPLOY)
        plain_total = sum(plain_phases.values())
        plain(spec, by_id, repository, Path(tmp) / "plain-reset", [("reset", "99-reset.yml")])
    engine_phases = phase_seconds(op)
    print(f"\n{'phase':<24}{'engine':>10}{'plain':>10}")
    for name, _ in DEPLOY:
        print(f"{name:<24}{engine_phases.get(name, 0):>9.1f}s{plain_phases[name]:>9.1f}s")
    overhead = engine_total / plain_total - 1
    print(f"{'whole deploy':<24}{engine_total:>9.1f}s{plain_total:>9.1f}s")
    print(f"engine overhead: {overhead * 100:+.1f} % (target at most +5 %): the API's POST to the operation's end "
          f"against the sum of the plain ansible-playbook runs")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps({"engine_seconds": engine_total, "plain_seconds": plain_total,
                                         "engine_phases": engine_phases, "plain_phases": plain_phases,
                                         "overhead": overhead}, indent=2) + "\n")  # fmt: skip


if __name__ == "__main__":
    main()
