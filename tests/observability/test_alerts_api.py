"""The alerts API served for real: rules, routes and silences by project and role, bad input refused naming
the field (every problem at once), alerts read by members of their project only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ko_common.db import new_id
from tests.fakes.robots import RobotReceiver
from tests.observability.alerts import Project, alerting, alerts, channel, later, operation, route, until
from tests.observability.support import ADMIN, fields
from tests.support.procs import NatsServer

ROUTES, SILENCES = "/api/v1/alert-routes", "/api/v1/silences"


def test_rules_routes_and_silences_by_project_and_role(
    tmp_path: Path, database_url: str, nats_server: NatsServer, wecom: RobotReceiver
) -> None:
    p, q = Project(), Project()
    with alerting(tmp_path, database_url, nats_server.url) as obs:
        rules = obs.call("GET", "/api/v1/alert-rules", p.reader).json()
        assert [r["id"] for r in rules] == [
            "cluster-unreachable", "node-not-ready", "etcd-member-unhealthy", "certificate-expiring", "backup-failed",
            "backup-too-old", "operation-failed", "pod-crash-looping", "pod-evicted"]  # fmt: skip
        assert rules[1]["title"] == {"en": "Node not ready", "zh": "节点未就绪"}

        ch = channel(obs, p, wecom.url, kind="wecom")
        made = route(obs, p, [ch], rules=["node-not-ready"], min_severity="warning", cluster_ids=["c1"])
        assert (made["send_resolved"], made["enabled"], made["rules"]) == (True, True, ["node-not-ready"])
        path = f"{ROUTES}/{made['id']}"
        assert obs.call("GET", path, p.reader).json() == made
        listed = obs.call("GET", ROUTES, p.reader, params={"project_id": p.id}).json()
        assert (listed["total"], listed["items"]) == (1, [made])
        patched = obs.call("PATCH", path, p.pm, json={"send_resolved": False, "rules": []})
        assert patched.status_code == 200 and (patched.json()["send_resolved"], patched.json()["rules"]) == (False, [])

        # Another project's user: the route, its project's lists and alerts do not exist for them.
        for method, url, kwargs in (("GET", path, {}), ("PATCH", path, {"json": {"enabled": False}}),
                                    ("DELETE", path, {}), ("GET", ROUTES, {"params": {"project_id": p.id}}),
                                    ("GET", SILENCES, {"params": {"project_id": p.id}}),
                                    ("GET", "/api/v1/alerts", {"params": {"project_id": p.id}})):  # fmt: skip
            resp = obs.call(method, url, q.pm, **kwargs)
            assert resp.status_code == 404, (method, url, resp.text)
        # A read-only member reads, never writes.
        assert obs.call("PATCH", path, p.reader, json={"enabled": False}).status_code == 403
        assert (
            obs.call("POST", ROUTES, p.reader, json={"project_id": p.id, "name": "x", "channel_ids": [ch]}).status_code
            == 403
        )
        silence = {"project_id": p.id, "ends_at": later(hours=1)}
        assert obs.call("POST", SILENCES, p.reader, json=silence).status_code == 403
        assert obs.call("GET", ROUTES, q.pm).json()["total"] == 0  # unfiltered: only the caller's projects

        made_silence = obs.call("POST", SILENCES, p.pm, json=silence | {"cluster_id": "c1"})
        assert made_silence.status_code == 201, made_silence.text
        sid = made_silence.json()["id"]
        assert obs.call("DELETE", f"{SILENCES}/{sid}", q.pm).status_code == 404
        assert obs.call("DELETE", f"{SILENCES}/{sid}", p.reader).status_code == 403
        assert obs.call("DELETE", f"{SILENCES}/{sid}", p.pm).status_code == 204
        [expired] = obs.call("GET", SILENCES, p.reader, params={"project_id": p.id}).json()["items"]
        assert expired["state"] == "expired"

        assert obs.call("DELETE", path, p.pm).status_code == 204
        assert obs.call("GET", path, ADMIN).status_code == 404


def test_bad_routes_and_silences_are_refused_naming_the_field(
    tmp_path: Path, database_url: str, nats_server: NatsServer, wecom: RobotReceiver
) -> None:
    p, q = Project(), Project()
    with alerting(tmp_path, database_url, nats_server.url) as obs:
        mine = channel(obs, p, wecom.url, kind="wecom")
        theirs = str(obs.create({"project_id": "p-other", "name": "theirs", "kind": "wecom",
                                 "config": {"url": wecom.url}}, who=q.outsider)["id"])  # fmt: skip

        def refused(body: dict[str, Any]) -> set[str]:
            resp = obs.call("POST", ROUTES, p.pm, json={"project_id": p.id, "name": "r1"} | body)
            assert resp.status_code == 422, resp.text
            return fields(resp)

        # Every problem at once: another project's channel, an unknown rule.
        both = refused({"channel_ids": [mine, theirs], "rules": ["node-not-ready", "disk-full"]})
        assert both == {"channel_ids", "rules"}
        assert refused({"channel_ids": [new_id()]}) == {"channel_ids"}
        assert refused({"channel_ids": []}) == {"channel_ids"}
        assert refused({"channel_ids": [mine], "name": "has space", "min_severity": "fatal", "color": "red"}) == {
            "name", "min_severity", "color"}  # fmt: skip
        made = route(obs, p, [mine])
        resp = obs.call("PATCH", f"{ROUTES}/{made['id']}", p.pm, json={"rules": ["nope"]})
        assert resp.status_code == 422 and fields(resp) == {"rules"}
        assert obs.call("POST", ROUTES, p.pm, json={"project_id": p.id, "name": made["name"],
                                                    "channel_ids": [mine]}).status_code == 409  # fmt: skip

        def silence(**body: Any) -> set[str]:
            resp = obs.call("POST", SILENCES, p.pm, json={"project_id": p.id} | body)
            assert resp.status_code == 422, resp.text
            return fields(resp)

        assert silence(starts_at=later(hours=2), ends_at=later(hours=1)) == {"ends_at"}
        assert silence(ends_at=later(minutes=-5)) == {"ends_at"}
        assert silence(ends_at=later(hours=1), rule="disk-full") == {"rule"}
        assert silence() == {"ends_at"}


def test_an_alert_is_read_by_members_of_its_project_only(
    tmp_path: Path, database_url: str, nats_server: NatsServer
) -> None:
    p, q, cluster = Project(), Project(), new_id()
    with alerting(tmp_path, database_url, nats_server.url) as obs:
        operation(nats_server.url, p, cluster, "upgrade", failed=True)
        [fired] = until(lambda: alerts(obs, p), what="the alert")
        assert obs.call("GET", f"/api/v1/alerts/{fired['id']}", p.reader).json() == fired
        assert obs.call("GET", f"/api/v1/alerts/{fired['id']}", q.pm).status_code == 404
        assert obs.call("GET", "/api/v1/alerts/no-such-alert", p.pm).status_code == 404
        for params in ({"cluster_id": cluster}, {"status": "firing"}, {"rule": "operation-failed"}):
            assert [a["id"] for a in alerts(obs, p, **params)] == [fired["id"]]
        assert alerts(obs, p, status="resolved") == [] and alerts(obs, p, rule="pod-evicted") == []
        assert obs.call("GET", "/api/v1/alerts", p.pm, params={"status": "sleeping"}).status_code == 422
