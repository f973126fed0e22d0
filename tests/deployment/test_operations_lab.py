"""Operations end to end on lab hosts: queue, worker, ansible-runner, events, resume, retry, cancel.

Real NATS (its own server, restarted in one test), real inventory, the deployment service as its
own process (killed with SIGKILL in one test), real Ansible over SSH on two lab hosts.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ko_common.errors import Conflict
from tests.deployment.engine_support import Engine, lab_engine, stream_counters
from tests.deployment.test_clusters_api import seed_package
from tests.lab.lab import Lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def engine(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with lab_engine(lab, tmp_path_factory.mktemp("engine")) as engine:
        yield engine


@pytest.fixture(autouse=True)
def clean_hosts(engine: Engine) -> None:
    for host in engine.lab.hosts[:2]:
        engine.on_host(host, "rm -rf /var/tmp/ko-engine-test")


def assert_contiguous(engine: Engine, op_id: str) -> list[dict[str, object]]:
    events = engine.events(op_id)
    counters = [e["counter"] for e in events]
    assert counters == list(range(1, len(counters) + 1)), counters
    published = asyncio.run(stream_counters(engine.nats.url, op_id, len(counters)))
    assert set(published) == set(counters), "every stored event was published"
    assert events[-1]["kind"] == "end"
    return events


def test_a_deploy_runs_to_success(engine: Engine) -> None:
    op_id = engine.create("c-ok")
    op = engine.wait(op_id, "succeeded", "failed", "cancelled")
    assert op["status"] == "succeeded", op["failure"]
    assert [(p["name"], p["status"], p["runs"]) for p in op["phases"]] == [
        ("one", "succeeded", 1), ("two", "succeeded", 1), ("three", "succeeded", 1)
    ]  # fmt: skip
    events = assert_contiguous(engine, op_id)
    assert [(e["phase"], e["kind"]) for e in events if e["kind"] in ("phase_start", "phase_end")] == [
        ("one", "phase_start"), ("one", "phase_end"), ("two", "phase_start"), ("two", "phase_end"),
        ("three", "phase_start"), ("three", "phase_end"),
    ]  # fmt: skip
    hosts = {e["host"] for e in events if e["kind"] == "task_result"}
    assert hosts == {h.name for h in engine.lab.hosts[:2]}
    assert events[-1]["status"] == "succeeded"
    # Secrets stay out of events and logs; the operation's private directory is gone.
    key_line = Path(engine.lab.hosts[0].key_path).read_text().splitlines()[1]
    assert all(key_line not in str(e) for e in events)
    assert key_line not in engine.log_path.read_text()
    assert not (engine.data_dir / "operations" / op_id).exists()


def test_a_busy_cluster_refuses_a_second_operation_and_cancel_stops_it(engine: Engine) -> None:
    op_id = engine.create("c-busy", nap=60)
    engine.wait(op_id, phase=("two", "running"), timeout=120)
    with pytest.raises(Conflict) as refused:
        engine.create("c-busy")
    assert op_id in refused.value.detail
    assert engine.call("POST", f"/api/v1/operations/{op_id}/retry").status_code == 409  # not failed

    asked = time.monotonic()
    r = engine.call("POST", f"/api/v1/operations/{op_id}/cancel")
    assert r.status_code == 200, r.text
    op = engine.wait(op_id, "cancelled", "failed", "succeeded", timeout=30)
    assert op["status"] == "cancelled" and time.monotonic() - asked < 5 + 1  # + one poll of this test
    assert [p["status"] for p in op["phases"]] == ["succeeded", "cancelled", "cancelled"]
    assert engine.call("POST", f"/api/v1/operations/{op_id}/cancel").status_code == 409
    # The playbook and its ssh processes are gone here; a command already started on a host runs to its
    # own end (ssh without a terminal does not signal it): the phase re-runs from its start on retry.
    assert_contiguous(engine, op_id)


def test_retry_resumes_at_the_failed_phase(engine: Engine) -> None:
    first = engine.lab.hosts[0]
    engine.on_host(first, "mkdir -p /var/tmp/ko-engine-test && touch /var/tmp/ko-engine-test/fail")
    op_id = engine.create("c-retry")
    op = engine.wait(op_id, "succeeded", "failed", "cancelled")
    assert op["status"] == "failed"
    failure = op["failure"]
    assert (failure["phase"], failure["host"], failure["task"]) == (
        "two",
        first.name,
        "Engine test | Fail when asked to",
    )
    assert "No space left on device" in failure["excerpt"] and "disk" in failure["hint"]
    assert failure["message"].startswith("Phase two: task “Engine test | Fail when asked to” failed on " + first.name)

    engine.on_host(first, "rm /var/tmp/ko-engine-test/fail")
    r = engine.call("POST", f"/api/v1/operations/{op_id}/retry")
    assert r.status_code == 200, r.text
    op = engine.wait(op_id, "succeeded", "failed", "cancelled")
    assert op["status"] == "succeeded" and op["failure"] is None
    assert [(p["name"], p["runs"]) for p in op["phases"]] == [("one", 1), ("two", 2), ("three", 1)]
    assert engine.on_host(first, "wc -l < /var/tmp/ko-engine-test/one.runs") == "1"  # phase one not re-run
    assert_contiguous(engine, op_id)


def test_kill_9_of_the_worker_mid_phase_then_resume(engine: Engine) -> None:
    op_id = engine.create("c-kill", nap=10)
    engine.wait(op_id, phase=("two", "running"), timeout=120)
    engine.kill()
    engine.start()
    op = engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=240)  # redelivered after the ack wait
    assert op["status"] == "succeeded", op["failure"]
    assert op["attempts"] == 2
    assert [(p["name"], p["runs"]) for p in op["phases"]] == [("one", 1), ("two", 2), ("three", 1)]
    assert engine.on_host(engine.lab.hosts[0], "wc -l < /var/tmp/ko-engine-test/one.runs") == "1"
    assert_contiguous(engine, op_id)


def test_nats_restart_mid_operation(engine: Engine) -> None:
    op_id = engine.create("c-nats", nap=6)
    engine.wait(op_id, phase=("two", "running"), timeout=120)
    engine.nats.restart(down_seconds=2)
    op = engine.wait(op_id, "succeeded", "failed", "cancelled", timeout=180)
    assert op["status"] == "succeeded", op["failure"]
    assert_contiguous(engine, op_id)


def test_a_cluster_planned_through_the_api_deploys_and_hands_out_its_kubeconfig(engine: Engine) -> None:
    seed_package(f"sqlite:///{engine.data_dir / 'deployment.db'}", "1.36.0")
    body = {
        "project_id": "p1", "name": "lab-one", "version": "1.36.0", "topology": "single",
        "nodes": [{"host_id": engine.host_ids[0], "role": "master"}, {"host_id": engine.host_ids[1], "role": "worker"}],
    }  # fmt: skip
    r = engine.call("POST", "/api/v1/clusters", json=body)
    assert r.status_code == 201, r.text
    cluster = r.json()
    op = engine.wait(cluster["operation"]["id"], "succeeded", "failed", "cancelled")
    assert op["status"] == "succeeded", op["failure"]
    cluster = engine.call("GET", f"/api/v1/clusters/{cluster['id']}").json()
    assert cluster["status"] == "running" and cluster["has_kubeconfig"]
    assert {n["status"] for n in cluster["nodes"]} == {"ready"}
    kubeconfig = engine.call("GET", f"/api/v1/clusters/{cluster['id']}/kubeconfig")
    assert kubeconfig.status_code == 200 and "kind: Config" in kubeconfig.text
    assert "lab-one-kubeconfig.yaml" in kubeconfig.headers["content-disposition"]
    # Encrypted at rest: the database does not hold it in clear.
    assert b"engine-test-token-not-a-secret" not in (engine.data_dir / "deployment.db").read_bytes()
    # The hosts now belong to the cluster in the inventory.
    hosts = engine.inventory_hosts()
    assert {hosts[h]["cluster_id"] for h in engine.host_ids[:2]} == {cluster["id"]}

    # Deleting resets the hosts first (the reset operation), then forgets the cluster and frees the hosts.
    r = engine.call("DELETE", f"/api/v1/clusters/{cluster['id']}")
    assert r.status_code == 202, r.text
    reset = engine.wait(r.json()["operation"]["id"], "succeeded", "failed", "cancelled")
    assert reset["status"] == "succeeded", reset["failure"]
    assert engine.call("GET", f"/api/v1/clusters/{cluster['id']}").status_code == 404
    hosts = engine.inventory_hosts()
    assert {hosts[h]["cluster_id"] for h in engine.host_ids[:2]} == {None}
    assert engine.on_host(engine.lab.hosts[0], "test -e /var/tmp/ko-engine-test && echo left || echo clean") == "clean"
