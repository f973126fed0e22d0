"""Kubernetes events in tests: Event objects written into the real control plane as components write
them, the watcher under test built as the service builds it, and etcd compacted for real."""

from __future__ import annotations

import json
import ssl
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from ko_common.cluster_access import ClusterAccessClient
from ko_common.db import Database
from ko_observability.kube_events.models import KubeEvent, KubeEventWatch
from ko_observability.kube_events.watcher import KubeEventWatcher, WatchPolicy
from ko_observability.models import OUTBOX
from tests.observability.health import IDENTITY_KEY, DeploymentForHealth
from tests.support.kube_control_plane import KubeControlPlane

WARNING = "ko.observability.kube-event.warning"
FAST = {"lease_seconds": 3.0, "backoff_seconds": 0.2, "backoff_max_seconds": 1.0, "claim_interval_seconds": 0.2}


def watcher(db: Database, d: DeploymentForHealth, name: str, **policy: Any) -> KubeEventWatcher:
    access = ClusterAccessClient(d.base, IDENTITY_KEY, "observability", timeout=5)
    return KubeEventWatcher(db, access, WatchPolicy(**(FAST | policy)), name=name)


def namespace(plane: KubeControlPlane) -> str:
    name = f"ev-{uuid.uuid4().hex[:8]}"
    plane.kubectl("create", "namespace", name)
    return name


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_event(
    plane: KubeControlPlane,
    ns: str,
    reason: str,
    *,
    kind: str = "Pod",
    obj: str = "web-0",
    message: str = "",
    type_: str = "Normal",
    count: int = 1,
    last: datetime | None = None,
) -> str:
    """A core v1 Event as a kubelet or a controller writes it; its uid."""
    last = last or datetime.now(UTC)
    body = {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": f"{obj}.{uuid.uuid4().hex[:12]}", "namespace": ns},
        "involvedObject": {"kind": kind, "name": obj, "namespace": ns},
        "reason": reason, "message": message or f"{reason} of {obj}", "type": type_, "count": count,
        "firstTimestamp": _stamp(last), "lastTimestamp": _stamp(last),
        "source": {"component": "kubelet", "host": "node-1"},
    }  # fmt: skip
    out = json.loads(plane.kubectl("create", "-f", "-", "-o", "json", stdin=json.dumps(body)).stdout)
    return str(out["metadata"]["uid"])


def bump(plane: KubeControlPlane, ns: str, uid: str, count: int) -> None:
    """The event seen again, as the recorder counts a repeat (count and lastTimestamp)."""
    name = next(e["metadata"]["name"] for e in plane.json("get", "events", "-n", ns)["items"]
                if e["metadata"]["uid"] == uid)  # fmt: skip
    patch = {"count": count, "lastTimestamp": _stamp(datetime.now(UTC) + timedelta(seconds=count))}
    plane.kubectl("patch", "event", name, "-n", ns, "--type=merge", "-p", json.dumps(patch))


def compact_etcd(plane: KubeControlPlane) -> int:
    """Compact etcd's history up to its current revision through its own API (the gRPC gateway); the revision."""
    d = plane.dir
    tls = ssl.create_default_context(cafile=str(d / "etcd-ca.crt"))
    tls.load_cert_chain(d / "apiserver-etcd-client.crt", d / "apiserver-etcd-client.key")
    with httpx.Client(verify=tls, timeout=30, trust_env=False) as http:
        revision = int(http.post(f"{plane.etcd_url}/v3/kv/range", json={"key": "AA=="}).json()["header"]["revision"])
        r = http.post(f"{plane.etcd_url}/v3/kv/compaction", json={"revision": str(revision), "physical": True})
        r.raise_for_status()
        # Proof it happened: reading an older revision is refused now.
        old = http.post(f"{plane.etcd_url}/v3/kv/range", json={"key": "AA==", "revision": str(revision - 1)})
        assert "compacted" in old.text, old.text
    return revision


async def stored(db: Database, cluster_id: str, ns: str | None = None) -> list[KubeEvent]:
    async with db.transaction() as session:
        stmt = select(KubeEvent).where(KubeEvent.cluster_id == cluster_id).order_by(KubeEvent.id)
        if ns is not None:
            stmt = stmt.where(KubeEvent.namespace == ns)
        return list((await session.execute(stmt)).scalars().all())


async def watch_row(db: Database, cluster_id: str) -> KubeEventWatch:
    async with db.transaction() as session:
        row = await session.get(KubeEventWatch, cluster_id, populate_existing=True)
        assert row is not None
        return row


async def warnings(db: Database, cluster_id: str, ns: str) -> list[dict[str, Any]]:
    """The warning events published about the cluster's namespace ``ns``, in order."""
    async with db.transaction() as session:
        rows = (await session.execute(select(OUTBOX).order_by(OUTBOX.c.seq))).all()
    events = [json.loads(r.payload) for r in rows if r.subject == WARNING]
    return [e["data"] for e in events if e["subject"] == cluster_id and e["data"]["namespace"] == ns]
