"""Compliance runs through the clusters API (no lab, no worker: the node check's operation stays queued).

Checked here: who may start a node check or upload Sonobuoy results (read-only 403, another project
404), the compliance-check operation with what its role is told to read, one operation at a time;
the kind's effect judging facts as the role writes them (tests/deployment/compliance_checks.py runs
the role on a real cluster) into pass/fail/warn/skip items with their remedies, the completed event
(counts only) and the comparison with the previous run; a Sonobuoy results archive built here in
Sonobuoy's documented layout parsed per test with failure messages, its JUnit file downloadable, and
broken or oversize archives refused naming `file`. The Sonobuoy images are not obtainable here: no
Sonobuoy run, only its results.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from ko_common.db import Database
from ko_common.errors import InvalidInput
from ko_common.identity import Identity
from ko_deployment.clusters.phases import phases_of
from ko_deployment.compliance import sonobuoy
from ko_deployment.compliance.benchmark import gather_vars
from ko_deployment.compliance.service import store_node_check
from ko_deployment.models import OUTBOX
from tests.deployment.test_cluster_monitoring_api import sql
from tests.deployment.test_cluster_workers_api import running_cluster
from tests.deployment.test_clusters_api import KEY, OUTSIDER, PM, RO, URL, World, database_url, world
from tests.support.serve import identity_headers

__all__ = ["database_url", "world"]
PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
K8S = "/etc/kubernetes"
GZIP = "application/gzip"


def upload(w: World, path: str, content: bytes, who: Identity = PM, kind: str = GZIP) -> Any:
    headers = identity_headers(who, KEY.encode(), "deployment") | {"Content-Type": kind}
    return w.http.post(w.deployment + path, content=content, headers=headers)


def runs(cluster: dict[str, Any]) -> str:
    return f"{URL}/{cluster['id']}/compliance-runs"


def stat(mode: str, owner: str = "root:root", isdir: bool = False) -> dict[str, Any]:
    user, group = owner.split(":")
    return {"exists": True, "mode": mode, "pw_name": user, "gr_name": group, "isdir": isdir, "uid": 0, "gid": 0}


def facts(node: str, role: str, admin_mode: str = "0600") -> dict[str, Any]:
    """One node's JSON as the compliance role writes it (a kubeadm master, or a worker)."""
    kubelet = {"authentication": {"anonymous": {"enabled": False}, "x509": {"clientCAFile": f"{K8S}/pki/ca.crt"}},
               "authorization": {"mode": "Webhook"}, "rotateCertificates": True}  # fmt: skip
    files = {f"{K8S}/kubelet.conf": stat("0600"), "/var/lib/kubelet/config.yaml": stat("0644"),
             f"{K8S}/pki": stat("0755", isdir=True), f"{K8S}/admin.conf": {"exists": False}}  # fmt: skip
    processes = [
        "/usr/local/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf"
    ]
    found = [{"path": f"{K8S}/pki/ca.crt", "mode": "0644", "pw_name": "root", "gr_name": "root"}]
    if role == "master":
        pki = f"{K8S}/pki"
        files |= {f"{K8S}/manifests/{p}.yaml": stat("0600") for p in
                  ("kube-apiserver", "kube-controller-manager", "kube-scheduler")}  # fmt: skip
        files |= {f"{K8S}/admin.conf": stat(admin_mode), f"{K8S}/scheduler.conf": stat("0600"),
                  f"{K8S}/controller-manager.conf": stat("0600"),
                  "/var/lib/etcd/kubeoperator": stat("0700", "etcd:etcd", isdir=True)}  # fmt: skip
        found += [{"path": f"{pki}/{k}.key", "mode": "0600", "pw_name": "root", "gr_name": "root"}
                  for k in ("ca", "apiserver", "sa")]  # fmt: skip
        processes += [
            f"kube-apiserver --advertise-address=10.1.0.11 --authorization-mode=Node,RBAC --client-ca-file={pki}/ca.crt"
            f" --enable-admission-plugins=NodeRestriction --etcd-cafile=/etc/etcd/pki/ca.crt --etcd-certfile=/e/c.crt"
            f" --etcd-keyfile=/e/c.key --kubelet-client-certificate={pki}/k.crt --kubelet-client-key={pki}/k.key"
            f" --service-account-key-file={pki}/sa.pub --tls-cert-file={pki}/apiserver.crt"
            f" --tls-private-key-file={pki}/apiserver.key --encryption-provider-config=/etc/kubernetes/enc.yaml",
            "kube-controller-manager --bind-address=127.0.0.1 --use-service-account-credentials=true --profiling=false",
            "kube-scheduler --bind-address=127.0.0.1",
            "/usr/bin/etcd",
        ]
    env = "\n".join(["ETCD_DATA_DIR=/var/lib/etcd/kubeoperator", "ETCD_CERT_FILE=/etc/etcd/pki/server.crt",
                     "ETCD_KEY_FILE=/etc/etcd/pki/server.key", "ETCD_CLIENT_CERT_AUTH=true",
                     "ETCD_PEER_CLIENT_CERT_AUTH=true"])  # fmt: skip
    texts = {"/var/lib/kubelet/config.yaml": base64.b64encode(yaml.safe_dump(kubelet).encode()).decode(),
             "/etc/etcd/etcd.env": base64.b64encode(env.encode()).decode() if role == "master" else ""}  # fmt: skip
    return {"node": node, "role": role, "files": files, "found": found, "processes": processes, "texts": texts}


def run_effect(w: World, op_id: str, artifacts: Path, status: str = "succeeded") -> list[dict[str, Any]]:
    """The compliance-check effect as the worker runs it when the operation ends; the events it sent."""

    async def go() -> list[dict[str, Any]]:
        db = Database(w.dep_sync_url.replace("sqlite:", "sqlite+aiosqlite:"), "deployment")
        db.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "deployment"})
        now = datetime.now(UTC)
        op = SimpleNamespace(id=op_id, status=status, started_at=now, ended_at=now, failure=None)
        try:
            async with db.transaction() as session:
                await store_node_check(session, op, artifacts)
            async with db.transaction() as session:
                rows = (await session.execute(select(OUTBOX))).all()
        finally:
            await db.dispose()
        return [json.loads(r.payload) for r in rows if r.subject.startswith("ko.deployment.compliance")]

    return asyncio.run(go())


def write_facts(folder: Path, **nodes: dict[str, Any]) -> Path:
    (folder / "compliance").mkdir(parents=True)
    for name, data in nodes.items():
        (folder / "compliance" / f"{name}.json").write_text(json.dumps(data))
    return folder


def test_a_node_check_is_an_operation_telling_the_role_what_to_read(world: World) -> None:
    w = world
    assert [(p.name, p.target) for p in phases_of(PLAYBOOKS, "compliance-check")] == [
        ("compliance", "50-compliance.yml")]  # fmt: skip
    c = running_cluster(w)
    assert w.call("POST", runs(c), RO).status_code == 403
    assert w.call("POST", runs(c), OUTSIDER).status_code == 404
    r = w.call("POST", runs(c))
    assert r.status_code == 202, r.text
    run = r.json()
    assert (run["kind"], run["status"], run["summary"]) == ("node-check", "running",
                                                            {"pass": 0, "fail": 0, "warn": 0, "skip": 0})  # fmt: skip
    assert (run["operation"]["kind"], run["operation"]["status"]) == ("compliance-check", "queued")
    op = w.call("GET", f"/api/v1/operations/{run['operation_id']}").json()
    assert [p["name"] for p in op["phases"]] == ["compliance"]
    (spec,) = sql(w, "SELECT spec FROM operations WHERE id = :id", id=run["operation_id"])[0]
    spec = json.loads(spec) if isinstance(spec, str) else spec
    assert spec["extravars"]["ko_compliance"] == gather_vars()
    assert f"{K8S}/admin.conf" in spec["extravars"]["ko_compliance"]["files"]
    assert {n["hostvars"]["ko_node_role"] for n in spec["nodes"]} == {"master", "worker"}  # every node is read
    # One operation at a time; readable by members only.
    busy = w.call("POST", runs(c))
    assert busy.status_code == 409 and run["operation_id"] in busy.json()["detail"]
    assert w.call("GET", runs(c), OUTSIDER).status_code == 404
    assert w.call("GET", f"{runs(c)}/{run['id']}", OUTSIDER).status_code == 404
    listed = w.call("GET", runs(c), RO).json()
    assert [i["id"] for i in listed["items"]] == [run["id"]] and listed["total"] == 1
    # Cancelled before it ran: the run failed, saying so; the cluster is still running.
    assert w.call("POST", f"/api/v1/operations/{run['operation_id']}/cancel").status_code == 200
    shown = w.call("GET", f"{runs(c)}/{run['id']}", RO).json()
    assert (shown["status"], shown["items"], shown["compared_with_previous"]) == ("failed", [], [])
    assert "cancelled" in shown["message"]
    assert w.call("GET", f"{URL}/{c['id']}").json()["status"] == "running"
    assert w.call("GET", f"{runs(c)}/{run['id']}/junit").status_code == 404  # a node check has none


def test_the_effect_judges_every_node_and_compares_with_the_previous_run(world: World, tmp_path: Path) -> None:
    w = world
    if not w.dep_sync_url:
        pytest.skip("the deployment database is read directly on SQLite only")
    c = running_cluster(w)
    first = w.call("POST", runs(c)).json()
    sent = run_effect(w, first["operation_id"], write_facts(tmp_path / "a", node1=facts("node1", "master"),
                                                             node2=facts("node2", "worker")))  # fmt: skip
    shown = w.call("GET", f"{runs(c)}/{first['id']}").json()
    assert shown["status"] == "succeeded" and shown["previous_run_id"] is None, shown
    items = {(i["id"], i["node"]): i for i in shown["items"]}
    assert items[("1.1.13", "node1")]["status"] == "pass"
    assert items[("1.1.13", "node1")]["observed"] == f"{K8S}/admin.conf 0600"
    assert items[("1.2.6", "node2")]["status"] == "skip"  # no kube-apiserver on a worker
    assert items[("1.2.15", "node1")]["status"] == "fail"  # kubeadm leaves profiling on
    assert "--profiling=false" in items[("1.2.15", "node1")]["remedy"]
    assert items[("1.2.16", "node1")]["status"] == "warn"  # no audit log
    assert items[("2.2", "node1")]["status"] == "pass"  # from etcd's environment file
    assert items[("1.1.11", "node1")]["status"] == "pass"
    assert items[("4.2.1", "node2")]["status"] == "pass" and items[("4.2.2", "node1")]["status"] == "pass"
    assert items[("4.1.9", "node2")]["status"] == "fail"  # kubeadm's 0644 config.yaml
    assert items[("4.1.9", "node2")]["remedy"] == "chmod 600 /var/lib/kubelet/config.yaml"
    assert items[("1.2.7", "node1")]["remedy"] == ""  # passed: no remedy
    counts = {s: sum(1 for i in shown["items"] if i["status"] == s) for s in ("pass", "fail", "warn", "skip")}
    assert shown["summary"] == counts and all(counts.values())
    assert len(sent) == 1 and sent[0]["data"] == {
        "run_id": first["id"], "cluster_id": c["id"], "project_id": "pc1", "kind": "node-check",
        "status": "succeeded", "summary": counts}  # fmt: skip

    # The next check finds admin.conf readable by all: 1.1.13 fails with its remedy, shown as a change.
    sql(w, "UPDATE operations SET status = 'succeeded' WHERE id = :id", id=first["operation_id"])
    second = w.call("POST", runs(c)).json()
    run_effect(w, second["operation_id"], write_facts(tmp_path / "b", node1=facts("node1", "master", "0644"),
                                                       node2=facts("node2", "worker")))  # fmt: skip
    shown = w.call("GET", f"{runs(c)}/{second['id']}", RO).json()
    admin = next(i for i in shown["items"] if (i["id"], i["node"]) == ("1.1.13", "node1"))
    assert (admin["status"], admin["observed"]) == ("fail", f"{K8S}/admin.conf 0644")
    assert admin["remedy"].startswith(f"chmod 600 {K8S}/admin.conf")
    assert shown["previous_run_id"] == first["id"]
    assert shown["compared_with_previous"] == [{"id": "1.1.13", "title": admin["title"], "group": "control-plane",
                                                "node": "node1", "before": "pass", "after": "fail"}]  # fmt: skip
    listed = w.call("GET", runs(c)).json()["items"]
    assert [r["id"] for r in listed] == [second["id"], first["id"]]  # newest first


def results_tree(plugin: str, tests: list[dict[str, Any]]) -> str:
    """sonobuoy_results.yaml as Sonobuoy's aggregator writes it: plugin -> file -> tests."""
    return yaml.safe_dump({"name": plugin, "status": "failed", "meta": {"type": "summary"}, "items": [
        {"name": "junit_01.xml", "status": "failed", "meta": {"file": "results/global/junit_01.xml", "type": "file"},
         "items": tests}]})  # fmt: skip


JUNIT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="Kubernetes e2e suite" tests="3" failures="1" skipped="1" time="12.5" timestamp="2026-05-01T10:00:00">
  <testcase name="[sig-apps] Deployment should run the lifecycle [Conformance]" classname="Kubernetes e2e" time="3"/>
  <testcase name="[sig-network] DNS should resolve [Conformance]" classname="Kubernetes e2e" time="9">
    <failure type="Failure" message="timed out waiting for the condition">dns.go:88: lookups failed</failure>
  </testcase>
  <testcase name="[sig-storage] CSI should mount [Slow]" classname="Kubernetes e2e" time="0"><skipped/></testcase>
</testsuite>
"""


def archive(members: dict[str, str], top: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(top + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sonobuoy_results(dns: str = "failed") -> bytes:
    failure = {"failure": "timed out waiting for the condition\ndns.go:88: lookups failed"} if dns == "failed" else {}
    tests: list[dict[str, Any]] = [
        {"name": "[sig-apps] Deployment should run the lifecycle [Conformance]", "status": "passed"},
        {"name": "[sig-network] DNS should resolve [Conformance]", "status": dns, **({"details": failure} if failure
                                                                                      else {})},
        {"name": "[sig-storage] CSI should mount [Slow]", "status": "skipped"},
    ]  # fmt: skip
    node_tree = yaml.safe_dump({"name": "systemd-logs", "status": "passed", "items": [
        {"name": "node1", "status": "passed", "meta": {"type": "node"},
         "items": [{"name": "systemd_logs", "status": "passed",
                    "meta": {"file": "results/node1/systemd_logs"}}]}]})  # fmt: skip
    return archive({
        "meta/config.json": "{}", "serverversion.json": "{}",
        "plugins/e2e/sonobuoy_results.yaml": results_tree("e2e", tests),
        "plugins/e2e/results/global/junit_01.xml": JUNIT,
        "plugins/e2e/results/global/e2e.log": "log",
        "plugins/systemd-logs/sonobuoy_results.yaml": node_tree,
        "podlogs/sonobuoy/x/y.log": "z" * 1000,
    }, top="./")  # fmt: skip


def test_sonobuoy_results_are_parsed_per_test_and_the_junit_file_downloads(world: World) -> None:
    w = world
    c = running_cluster(w)
    path = f"{runs(c)}/sonobuoy"
    assert upload(w, path, sonobuoy_results(), RO).status_code == 403
    assert upload(w, path, sonobuoy_results(), OUTSIDER).status_code == 404
    r = upload(w, path, sonobuoy_results())
    assert r.status_code == 201, r.text
    run = r.json()
    assert (run["kind"], run["status"], run["operation_id"]) == ("sonobuoy", "succeeded", None)
    assert run["summary"] == {"pass": 2, "fail": 1, "warn": 0, "skip": 1}
    assert run["started_at"].startswith("2026-05-01T10:00:00")  # the suite's own timestamp
    shown = w.call("GET", f"{runs(c)}/{run['id']}", RO).json()
    by_name = {i["id"]: i for i in shown["items"]}
    dns = by_name["[sig-network] DNS should resolve [Conformance]"]
    assert (dns["status"], dns["group"], dns["node"]) == ("fail", "e2e", None)
    assert "timed out waiting for the condition" in dns["observed"]
    assert by_name["[sig-storage] CSI should mount [Slow]"]["status"] == "skip"
    assert (by_name["systemd_logs"]["node"], by_name["systemd_logs"]["status"]) == ("node1", "pass")
    assert shown["has_junit"] and shown["compared_with_previous"] == []
    junit = w.call("GET", f"{runs(c)}/{run['id']}/junit", RO)
    assert junit.status_code == 200 and junit.text == JUNIT
    assert junit.headers["content-disposition"] == 'attachment; filename="junit_01.xml"'

    # The next upload: DNS passes now, shown as the one change.
    again = upload(w, path, sonobuoy_results(dns="passed")).json()
    shown = w.call("GET", f"{runs(c)}/{again['id']}").json()
    assert [(x["id"], x["before"], x["after"]) for x in shown["compared_with_previous"]] == [
        ("[sig-network] DNS should resolve [Conformance]", "fail", "pass")]  # fmt: skip

    # Refused, naming the file: not a tarball, no results in it, a DTD in the JUnit file, too large.
    cases = {
        "not a gzip or plain tarball": b"\x1f\x8b\x08not really gzip",
        "no plugins/<plugin>/sonobuoy_results.yaml": archive({"meta/config.json": "{}"}),
        "declares a DTD": archive({"plugins/e2e/results/global/junit_01.xml": '<!DOCTYPE x [<!ENTITY a "b">]><x/>'}),
    }
    for why, content in cases.items():
        bad = upload(w, path, content)
        assert bad.status_code == 422 and bad.json()["field"] == "file" and why in bad.json()["detail"], bad.text
    big = upload(w, path, b"\0" * (5 << 20))  # over KO_MAX_UPLOAD_BYTES (4 MiB)
    assert big.status_code == 413 and big.json()["field"] == "file", big.text
    wrong = upload(w, path, b"{}", kind="application/json")
    assert wrong.status_code == 415
    assert w.call("GET", runs(c)).json()["total"] == 2


def test_an_archive_with_only_the_e2e_junit_file_under_a_top_folder_is_read() -> None:
    """A results directory tarred again by hand (one top folder, no results tree): read from the JUnit file."""
    results = sonobuoy.read(archive({"plugins/e2e/results/global/junit_01.xml": JUNIT}, top="202605011000_sonobuoy/"))
    assert [(i.status, i.group) for i in results.items] == [("pass", "e2e"), ("fail", "e2e"), ("skip", "e2e")]
    assert results.items[1].observed == "timed out waiting for the condition dns.go:88: lookups failed"
    assert results.junit == JUNIT and results.junit_name == "junit_01.xml"
    with pytest.raises(InvalidInput) as refused:
        sonobuoy.read(archive({"plugins/e2e/sonobuoy_results.yaml": "- just\n- a list\n"}))
    assert refused.value.field == "file" and "not a results tree" in refused.value.detail
