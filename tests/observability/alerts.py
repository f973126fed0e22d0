"""Alerts in tests: the service served with a short group window, a project of the test's own (the session's
NATS carries other tests' events, in p1 and p2 too), its events published as their sources publish them."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ko_common.bus import EventBus
from ko_common.db import new_id, utcnow
from ko_common.events import Envelope, EventSpec
from ko_common.identity import Identity
from ko_common.operations.channels import operation_channels
from ko_observability.health.events import HEALTH_CHANGED
from ko_observability.kube_events.events import WARNING
from tests.observability.support import Observability, serve, settings_for

OPERATIONS = operation_channels("deployment")
FAST_ALERTS = {
    "alerts_group_window_seconds": 0.5,
    "alerts_poll_seconds": 0.05,
    "health_interval_seconds": 0,  # no deployment service here: the events are published as the poller would
    "kube_events_max_clusters": 0,
}


class Project:
    """A project of one test, its manager, a read-only member and an outsider."""

    def __init__(self) -> None:
        self.id = f"p-{uuid.uuid4().hex[:10]}"
        self.pm = Identity(f"u-pm-{self.id}", "pm", projects={self.id: "project-manager"})
        self.reader = Identity(f"u-ro-{self.id}", "reader", projects={self.id: "read-only"})
        self.outsider = Identity(f"u-out-{self.id}", "outsider", projects={"p-other": "project-manager"})


@contextmanager
def alerting(tmp_path: Path, database_url: str, nats_url: str, **overrides: Any) -> Iterator[Observability]:
    with serve(settings_for(tmp_path, database_url, nats_url, **(FAST_ALERTS | overrides))) as obs:
        yield obs


def publish(nats_url: str, spec: EventSpec, data: dict[str, Any], project_id: str, subject: str) -> None:
    env = Envelope(id=new_id(), source="ko/test", type=spec.type, time=utcnow(), subject=subject,
                   projectid=project_id, data=data)  # fmt: skip

    async def run() -> None:
        bus = EventBus(nats_url, "alerts-test")
        await bus.connect(retry_forever=False)
        try:
            await bus.publish(spec.subject_for(subject), env.model_dump_json().encode(), msg_id=env.id)
        finally:
            await bus.close()

    asyncio.run(run())


def health(nats_url: str, project: Project, cluster_id: str, state: str, findings: list[dict[str, Any]]) -> None:
    data = {
        "cluster_id": cluster_id, "project_id": project.id, "name": f"c-{cluster_id[:6]}", "cluster_status": "running",
        "state": state, "reasons": [f["message"] for f in findings], "checked_at": utcnow().isoformat(),
        "unreachable_since": None, "latency_ms": 3.0, "nodes_ready": 1, "nodes_total": 2,
        "previous_state": "healthy", "previous_reasons": [], "findings": findings, "previous_findings": [],
    }  # fmt: skip
    publish(nats_url, HEALTH_CHANGED, data, project.id, cluster_id)


def node_not_ready(node: str) -> dict[str, Any]:
    return {"code": "node-not-ready", "subject": node, "message": f"Node {node} is not Ready (KubeletNotReady)."}


def operation(nats_url: str, project: Project, cluster_id: str, kind: str, failed: bool) -> None:
    spec = OPERATIONS.failed if failed else OPERATIONS.succeeded
    failure = {"message": "phase 03-etcd failed on m1", "phase": "03-etcd"} if failed else None
    op_id = new_id()
    data: dict[str, Any] = {"id": op_id, "project_id": project.id, "cluster_id": cluster_id, "kind": kind,
            "status": "failed" if failed else "succeeded", "attempts": 1, "failure": failure, "phases": []}  # fmt: skip
    publish(nats_url, spec, data, project.id, op_id)


def pod_warning(nats_url: str, project: Project, cluster_id: str, pod: str, reason: str, kind: str = "Pod") -> None:
    data = {"cluster_id": cluster_id, "project_id": project.id, "uid": new_id(), "namespace": "default",
            "kind": kind, "name": pod, "reason": reason, "message": "Back-off restarting failed container",
            "count": 1, "last_seen": datetime.now(UTC).isoformat()}  # fmt: skip
    publish(nats_url, WARNING, data, project.id, cluster_id)


def route(obs: Observability, project: Project, channel_ids: list[str], **extra: Any) -> dict[str, Any]:
    body = {"project_id": project.id, "name": f"r-{uuid.uuid4().hex[:6]}", "channel_ids": channel_ids} | extra
    resp = obs.call("POST", "/api/v1/alert-routes", project.pm, json=body)
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    return out


def channel(obs: Observability, project: Project, url: str, secret: str | None = None, **extra: Any) -> str:
    config = {"url": url} | ({"secret": secret} if secret else {})
    body = {"project_id": project.id, "name": f"ch-{uuid.uuid4().hex[:6]}", "kind": "dingtalk", "config": config}
    return str(obs.create(body | extra, who=project.pm)["id"])


def alerts(obs: Observability, project: Project, **params: Any) -> list[dict[str, Any]]:
    resp = obs.call("GET", "/api/v1/alerts", project.pm, params={"project_id": project.id, "limit": 200} | params)
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def until(predicate: Callable[[], Any], timeout: float = 20, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while not (got := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return got


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()
