"""Alerts from their sources to a DingTalk-kind receiver, through the served service and the session's NATS:
dedup and resolve from health findings, grouping per route and cluster, silences, operations, pod warnings."""

from __future__ import annotations

import time
from pathlib import Path

from ko_common.db import new_id
from tests.fakes.robots import RobotReceiver
from tests.observability.alerts import (
    Project,
    alerting,
    alerts,
    channel,
    health,
    later,
    node_not_ready,
    operation,
    pod_warning,
    route,
    until,
)
from tests.support.procs import NatsServer

SECRET = "SEC0123456789abcdef-only-in-tests"  # the dingtalk fixture's signing secret


def texts(robot: RobotReceiver) -> list[str]:
    return [r.json["markdown"]["text"] for r in robot.accepted]


def test_a_health_finding_fires_once_repeats_count_and_its_absence_resolves(
    tmp_path: Path, database_url: str, nats_server: NatsServer, dingtalk: RobotReceiver
) -> None:
    p, cluster = Project(), new_id()
    with alerting(tmp_path, database_url, nats_server.url) as obs:
        route(obs, p, [channel(obs, p, dingtalk.url, SECRET)])
        health(nats_server.url, p, cluster, "degraded", [node_not_ready("w1")])
        [fired] = until(lambda: alerts(obs, p), what="the alert")
        assert (fired["rule"], fired["subject"], fired["status"], fired["count"]) == (
            "node-not-ready",
            "w1",
            "firing",
            1,
        )
        assert (fired["severity"], fired["cluster_id"], fired["silenced"]) == ("critical", cluster, False)
        until(lambda: dingtalk.accepted, what="the firing message")

        pressure = {"code": "node-pressure", "subject": "w2/DiskPressure", "message": "Node w2 has DiskPressure."}
        health(nats_server.url, p, cluster, "degraded", [node_not_ready("w1"), pressure])
        until(lambda: alerts(obs, p)[0]["count"] == 2, what="the repeat counted")
        time.sleep(1.5)  # three group windows: a repeat sends nothing
        assert len(alerts(obs, p)) == 1 and len(dingtalk.accepted) == 1
        [first] = texts(dingtalk)
        assert "节点未就绪 · w1" in first and "Node w1 is not Ready" in first and "[告警]" in first

        health(nats_server.url, p, cluster, "healthy", [])
        until(lambda: alerts(obs, p)[0]["status"] == "resolved", what="the resolution")
        until(lambda: len(dingtalk.accepted) == 2, what="the resolved notice")
        [row] = alerts(obs, p)
        assert row["resolved_at"] and row["count"] == 2
    resolved = dingtalk.accepted[1].json["markdown"]
    assert resolved["title"].startswith("【KubeOperator】已恢复") and "[已恢复] **节点未就绪 · w1**" in resolved["text"]


def test_two_alerts_of_one_cluster_within_the_window_arrive_as_one_message(
    tmp_path: Path, database_url: str, nats_server: NatsServer, dingtalk: RobotReceiver
) -> None:
    p, cluster = Project(), new_id()
    # A window longer than two publishes take under load (each connects to NATS and drains on close).
    with alerting(tmp_path, database_url, nats_server.url, alerts_group_window_seconds=10.0) as obs:
        route(obs, p, [channel(obs, p, dingtalk.url, SECRET, language="en")])
        health(nats_server.url, p, cluster, "degraded", [node_not_ready("w1")])
        operation(nats_server.url, p, cluster, "upgrade", failed=True)
        until(lambda: len(alerts(obs, p)) == 2, what="both alerts")
        until(lambda: dingtalk.accepted, timeout=30, what="the group's message")
        time.sleep(1.0)
    [message] = dingtalk.accepted
    text = message.json["markdown"]["text"]
    assert "Node not ready · w1" in text and "Operation failed · upgrade" in text
    assert message.json["markdown"]["title"] == f"[KubeOperator] Alert (Critical) · c-{cluster[:6]}"


def test_a_silence_keeps_an_alert_quiet_and_its_end_sends_it(
    tmp_path: Path, database_url: str, nats_server: NatsServer, dingtalk: RobotReceiver
) -> None:
    p, cluster = Project(), new_id()
    with alerting(tmp_path, database_url, nats_server.url) as obs:
        route(obs, p, [channel(obs, p, dingtalk.url, SECRET)])
        body = {"project_id": p.id, "rule": "node-not-ready", "cluster_id": cluster, "ends_at": later(seconds=4),
                "comment": "maintenance of w1"}  # fmt: skip
        made = obs.call("POST", "/api/v1/silences", p.pm, json=body)
        assert made.status_code == 201 and made.json()["state"] == "active", made.text
        health(nats_server.url, p, cluster, "degraded", [node_not_ready("w1")])
        [fired] = until(lambda: alerts(obs, p), what="the alert")
        assert fired["silenced"] is True
        time.sleep(1.5)
        assert dingtalk.accepted == []  # recorded, not sent
        until(lambda: dingtalk.accepted, timeout=15, what="the message once the silence ended")
        assert not alerts(obs, p)[0]["silenced"]
        [silence] = obs.call("GET", "/api/v1/silences", p.pm, params={"project_id": p.id}).json()["items"]
        assert silence["state"] == "expired" and silence["created_by"] == "pm"
    assert "节点未就绪 · w1" in texts(dingtalk)[0]


def test_an_operation_failure_fires_and_a_later_success_of_its_kind_resolves(
    tmp_path: Path, database_url: str, nats_server: NatsServer
) -> None:
    p, cluster = Project(), new_id()
    with alerting(tmp_path, database_url, nats_server.url) as obs:
        operation(nats_server.url, p, cluster, "upgrade", failed=True)
        [fired] = until(lambda: alerts(obs, p), what="the alert")
        assert (fired["rule"], fired["subject"], fired["severity"]) == ("operation-failed", "upgrade", "warning")
        assert "phase 03-etcd failed on m1" in fired["message"]
        operation(nats_server.url, p, cluster, "add-workers", failed=False)  # another kind: no verdict on upgrade
        operation(nats_server.url, p, cluster, "upgrade", failed=False)
        until(lambda: alerts(obs, p)[0]["status"] == "resolved", what="the resolution")
        operation(nats_server.url, p, cluster, "upgrade", failed=True)  # fails again: a new alert, history kept
        until(lambda: len(alerts(obs, p)) == 2, what="the second alert")
        assert [a["status"] for a in alerts(obs, p)] == ["firing", "resolved"]


def test_pod_backoff_warnings_fire_crash_looping_and_resolve_after_a_quiet_period(
    tmp_path: Path, database_url: str, nats_server: NatsServer
) -> None:
    p, cluster = Project(), new_id()
    with alerting(tmp_path, database_url, nats_server.url, alerts_quiet_period_seconds=2.0) as obs:
        pod_warning(nats_server.url, p, cluster, "web-1", "BackOff", kind="Node")  # not a pod: no alert
        pod_warning(nats_server.url, p, cluster, "web-1", "FailedMount")  # not a rule's reason
        pod_warning(nats_server.url, p, cluster, "web-1", "BackOff")
        pod_warning(nats_server.url, p, cluster, "web-1", "CrashLoopBackOff")
        pod_warning(nats_server.url, p, cluster, "web-2", "Evicted")
        got = until(lambda: (a := alerts(obs, p)) and sum(x["count"] for x in a) == 3 and a, what="pod alerts")
        assert sorted((a["rule"], a["subject"], a["count"]) for a in got) == [
            ("pod-crash-looping", "default/web-1", 2), ("pod-evicted", "default/web-2", 1)]  # fmt: skip
        until(lambda: all(a["status"] == "resolved" for a in alerts(obs, p)), timeout=15, what="quiet resolution")
