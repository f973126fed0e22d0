"""What other services tell the health check: the certificates' soonest expiry (the deployment's
certificates-checked events) and the backups (the backup service's events), judged at the next check
as findings with codes, in the health-changed event beside the reasons."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ko_common.db import Database, new_id, utcnow
from ko_common.events import Envelope
from ko_observability.health import facts, service
from ko_observability.health.consumer import on_backup_event, on_cluster_event
from ko_observability.health.facts import FactsPolicy
from ko_observability.health.models import ClusterHealth
from ko_observability.health.probe import Finding, Verdict
from ko_observability.health.service import ClusterNotYetKnown
from ko_observability.models import OUTBOX
from tests.observability.health import announce, cluster_event

POLICY = FactsPolicy(certificate_warning_days=30, backup_max_age_hours=48)


def _env(type_: str, cluster_id: str, data: dict[str, Any], ago: timedelta = timedelta()) -> Envelope:
    return Envelope(id=new_id(), source="ko/test", type=f"kubeoperator.{type_}.v1", time=utcnow() - ago,
                    subject=cluster_id, projectid="p1", data={"cluster_id": cluster_id, **data})  # fmt: skip


def _certs(cluster_id: str, days_left: int, ago: timedelta = timedelta()) -> Envelope:
    soonest = {"node": "m1", "path": "/etc/kubernetes/pki/apiserver.crt", "subject": "CN=kube-apiserver",
               "issuer": "CN=kubernetes", "not_after": (utcnow() + timedelta(days=days_left)).isoformat(),
               "days_left": days_left, "ca": False}  # fmt: skip
    data = {"project_id": "p1", "name": "c", "count": 9, "expiring": int(days_left < 30), "soonest": soonest}
    return _env("deployment.cluster.certificates-checked", cluster_id, data, ago)


async def _apply(db: Database, *envs: Envelope) -> None:
    for env in envs:
        async with db.transaction() as session:
            if env.type.startswith("kubeoperator.deployment."):
                await on_cluster_event(session, env)
            else:
                await on_backup_event(session, env)


async def _check(db: Database, cluster_id: str, verdict: Verdict) -> ClusterHealth:
    async with db.transaction() as session:
        row = await session.get(ClusterHealth, cluster_id)
        assert row is not None
        await service.record(session, row, verdict, utcnow(), POLICY)
    async with db.transaction() as session:
        stored = await session.get(ClusterHealth, cluster_id)
        assert stored is not None
        return stored


def _codes(row: ClusterHealth) -> list[tuple[str, str | None]]:
    return [(f["code"], f["subject"]) for f in json.loads(row.findings)]


async def test_a_certificate_expiring_soon_degrades_the_cluster_until_a_later_check_finds_it_renewed(
    db: Database,
) -> None:
    cid = new_id()
    await announce(db, cluster_event("created", cid, "running"))
    await _apply(db, _certs(cid, 12))
    row = await _check(db, cid, Verdict("healthy"))
    cert = "/etc/kubernetes/pki/apiserver.crt on m1"
    assert (row.state, _codes(row)) == ("degraded", [("certificate-expiring", cert)])
    assert "renew the certificates" in json.loads(row.reasons)[0]

    await _apply(db, _certs(cid, 364), _certs(cid, 3, ago=timedelta(minutes=5)))  # an older check comes late
    row = await _check(db, cid, Verdict("healthy"))
    assert (row.state, _codes(row), json.loads(row.reasons)) == ("healthy", [], [])

    async with db.transaction() as session:
        outbox = (await session.execute(select(OUTBOX))).all()
    changed = [json.loads(r.payload)["data"] for r in outbox if r.subject == "ko.observability.cluster.health-changed"]
    mine = [c for c in changed if c["cluster_id"] == cid]
    assert [(c["state"], [f["code"] for f in c["findings"]]) for c in mine] == [
        ("degraded", ["certificate-expiring"]),
        ("healthy", []),
    ]
    assert mine[1]["previous_findings"] == mine[0]["findings"]
    assert mine[0]["certificates_expire_at"] is not None


async def test_backups_are_judged_only_for_clusters_with_an_enabled_schedule(db: Database) -> None:
    cid = new_id()
    await announce(db, cluster_event("created", cid, "running"))
    await _apply(db, _env("backup.backup.failed", cid, {}, ago=timedelta(hours=1)))
    assert _codes(await _check(db, cid, Verdict("healthy"))) == []  # no schedule: a one-off failure is not health

    strategy = {"project_id": "p1", "account_id": "a", "cron": "0 2 * * *", "keep_count": 7, "enabled": True}
    await _apply(db, _env("backup.strategy.updated", cid, strategy, ago=timedelta(hours=72)))
    row = await _check(db, cid, Verdict("healthy"))
    assert _codes(row) == [("backup-failed", None), ("backup-too-old", None)]

    await _apply(db, _env("backup.backup.succeeded", cid, {}, ago=timedelta(minutes=10)))
    row = await _check(db, cid, Verdict("healthy"))
    assert (row.state, _codes(row), row.last_backup_at is not None) == ("healthy", [], True)

    # A schedule turned off takes the backup findings away; the API's findings stay with their state.
    await _apply(db, _env("backup.strategy.updated", cid, {**strategy, "enabled": False}))
    down = Verdict("unreachable", [Finding("api-unreachable", None, "The API server refuses connections.")])
    row = await _check(db, cid, down)
    assert (row.state, _codes(row)) == ("unreachable", [("api-unreachable", None)])


def test_the_facts_findings_alone() -> None:
    now = utcnow()
    row = ClusterHealth(certificates_expire_at=now - timedelta(days=1), certificates_soonest="ca.crt on m1")
    assert [f.code for f in facts.findings(row, now, POLICY)] == ["certificate-expired"]
    row.certificates_expire_at = now + timedelta(days=31)
    assert facts.findings(row, now, POLICY) == []
    row.backup_schedule_since = now - timedelta(hours=47)
    assert facts.findings(row, now, POLICY) == []  # a new schedule has its first window to succeed
    row.backup_schedule_since = now - timedelta(hours=49)
    assert [f.code for f in facts.findings(row, now, POLICY)] == ["backup-too-old"]
    assert Verdict("unknown").adding(facts.findings(row, now, POLICY)).findings == []  # an unchecked cluster


async def test_a_fact_about_a_cluster_not_known_yet_is_redelivered(db: Database) -> None:
    with pytest.raises(ClusterNotYetKnown):
        await _apply(db, _env("backup.backup.succeeded", new_id(), {}))
