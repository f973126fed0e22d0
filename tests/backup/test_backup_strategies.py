"""A cluster's backup strategy through the backup service's API, and its scheduler driven by a test clock,
with the real deployment service behind it (no lab: its operations stay queued; the test delivers a
backup's files as the deployment's `deliver` phase does, and cancels the operation to free the cluster).

- who may: a read-only member reads but cannot set or remove; another project's member does not see it;
- a bad cron is refused naming `cron` with an example; an account not shared is refused naming `account_id`;
- next_run_at is the cron's next time in UTC;
- two scheduler replicas on one database (SQLite and PostgreSQL) start one backup per tick; a window of
  missed ticks starts one;
- a start refused (cluster busy) is written on the strategy, and the tick is not taken again;
- retention: with keep_count 3 the fourth good backup deletes the oldest from the account too; keep_days
  deletes old ones but never the last good one.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from ko_backup.app import BackupSettings
from ko_backup.app import create_app as create_backup
from ko_backup.backups.service import Deps
from ko_backup.models import OUTBOX
from ko_backup.strategies.scheduler import Scheduler
from ko_common.bus import EventBus
from ko_common.cluster_access import ClusterAccessClient
from ko_common.crypto import SecretBox, attach
from ko_common.db import Database
from ko_common.events import Envelope
from ko_common.operations.jobs import OperationRequester
from tests.backup.test_backups_api import ADMIN, Stage, _deliver
from tests.deployment.test_cluster_workers_api import running_cluster
from tests.deployment.test_clusters_api import KEY, OUTSIDER, RO, World, database_url, world
from tests.support.procs import NatsServer, Postgres
from tests.support.serve import served

__all__ = ["database_url", "world"]


class Sched(Stage):
    settings: BackupSettings

    @property
    def db_url(self) -> str:
        return str(self.settings.database_url)

    def strategy(self, cluster_id: str, **body: Any) -> dict[str, Any]:
        body = {"account_id": self.account, "cron": "0 * * * *", "keep_count": 3, **body}
        r = self.call("PUT", f"/api/v1/clusters/{cluster_id}/backup-strategy", json=body)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def backups(self, cluster_id: str, status: str | None = None) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": 200} | ({"status": status} if status else {})
        items = self.call("GET", f"/api/v1/clusters/{cluster_id}/backups", params=params).json()["items"]
        return list(items)

    def ticks(self, moments: list[datetime], replicas: int = 2) -> list[list[str]]:
        """Each moment, every replica's scheduler ticks at once: the backups started per moment."""
        return asyncio.run(self._ticks(moments, replicas))

    async def _ticks(self, moments: list[datetime], replicas: int) -> list[list[str]]:
        clock = [moments[0]]
        dbs, schedulers = [], []
        for _ in range(replicas):
            db = Database(self.db_url, "backup")
            db.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "backup"})
            attach(db.sessionmaker, SecretBox.from_settings(self.settings))
            deps = Deps(
                clusters=ClusterAccessClient(self.w.deployment, KEY, "backup"),
                jobs=OperationRequester(self.w.deployment, "deployment", KEY.encode(), "backup"),
                storage_timeout=3,
            )
            dbs.append(db)
            schedulers.append(Scheduler(db, deps, now=lambda: clock[0]))
        out = []
        try:
            for moment in moments:
                clock[0] = moment
                started = await asyncio.gather(*(s.tick() for s in schedulers))
                out.append([b for got in started for b in got])
        finally:
            for db in dbs:
                await db.dispose()
        return out

    def good_and_free(self, backup_id: str) -> None:
        """The backup delivered (good), then its operation cancelled so the cluster takes the next one."""
        assert _deliver(self, backup_id, os.urandom(2048)).status_code == 200
        op = self.row(backup_id)["operation_id"]
        assert self.w.call("POST", f"/api/v1/operations/{op}/cancel").status_code == 200

    def row(self, backup_id: str) -> dict[str, Any]:
        return asyncio.run(self._row(backup_id))

    async def _row(self, backup_id: str) -> dict[str, Any]:
        db = Database(self.db_url, "backup")
        try:
            async with db.transaction() as session:
                found = await session.execute(text("SELECT * FROM backups WHERE id = :id"), {"id": backup_id})
                return dict(found.mappings().one())
        finally:
            await db.dispose()

    def snapshots(self) -> int:
        return len(list(self.directory.rglob("etcd.db")))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backup_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The backup service's own database: the claim of a tick is a row lock on PostgreSQL, a database lock
    on SQLite (the deployment service's stays SQLite: the world seeds it through SQL)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/backup.db"
    pg: Postgres = request.getfixturevalue("postgres")
    name = "b_" + uuid.uuid4().hex[:12]
    pg.psql(f"CREATE DATABASE {name}")
    return pg.url(name)


@pytest.fixture
def sched(world: World, tmp_path: Path, nats_server: NatsServer, backup_database_url: str) -> Iterator[Sched]:
    settings = BackupSettings(
        data_dir=tmp_path / "backup", database_url=backup_database_url,
        nats_url=nats_server.url, identity_key=KEY,
        secret_key=base64.b64encode(os.urandom(32)).decode(), deployment_url=world.deployment,
        reconcile_seconds=0.2, schedule_poll_seconds=3600,  # the service's own scheduler stays out of the way
    )  # type: ignore[call-arg]  # fmt: skip
    with served(create_backup(settings)) as base:
        directory = tmp_path / "local-account"
        directory.mkdir()
        s = Sched(world, base, directory, "")
        s.settings = settings
        body = {"name": "local", "kind": "local", "directory": str(directory), "project_ids": ["pc1"]}
        r = s.call("POST", "/api/v1/backup-accounts", ADMIN, json=body)
        assert r.status_code == 201, r.text
        s.account = r.json()["id"]
        yield s


def _hour_ahead(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)


def test_who_may_set_a_strategy_and_what_is_refused(sched: Sched) -> None:
    s = sched
    c = running_cluster(s.w)
    path = f"/api/v1/clusters/{c['id']}/backup-strategy"
    missing = s.call("GET", path)
    assert missing.status_code == 404 and "PUT" in missing.json()["detail"], missing.text
    good = {"account_id": s.account, "cron": "0 2 * * *", "keep_count": 3}
    for cron in ("61 * * * *", "* * * *", "0 0 30 2 *", "@daily", "0 0 * * * *", "every night"):
        r = s.call("PUT", path, json={**good, "cron": cron})
        assert r.status_code == 422 and [f["field"] for f in r.json()["fields"]] == ["cron"], (cron, r.text)
        assert "0 2 * * *" in r.json()["detail"], r.text
    r = s.call("PUT", path, json={**good, "keep_count": 0, "keep_days": 0})
    assert r.status_code == 422 and {f["field"] for f in r.json()["fields"]} == {"keep_count", "keep_days"}, r.text
    body = {"name": "other", "kind": "local", "directory": str(s.directory), "project_ids": ["pc2"]}
    other = s.call("POST", "/api/v1/backup-accounts", ADMIN, json=body).json()["id"]
    for account in (other, "missing"):
        r = s.call("PUT", path, json={**good, "account_id": account})
        assert r.status_code == 422 and r.json()["field"] == "account_id", r.text
    assert s.call("GET", path).status_code == 404  # nothing stored by a refusal
    assert s.call("PUT", path, RO, json=good).status_code == 403
    assert s.call("PUT", path, OUTSIDER, json=good).status_code == 404

    before = datetime.now(UTC)
    set_ = s.call("PUT", path, json=good)
    assert set_.status_code == 200, set_.text
    at_two = before.replace(hour=2, minute=0, second=0, microsecond=0)
    expected = at_two if at_two > before else at_two + timedelta(days=1)
    shown = s.call("GET", path, RO).json()
    assert datetime.fromisoformat(shown["next_run_at"]) == expected, shown
    assert (shown["cron"], shown["keep_count"], shown["keep_days"], shown["enabled"]) == ("0 2 * * *", 3, None, True)
    assert s.call("GET", path, OUTSIDER).status_code == 404
    off = s.call("PUT", path, json={**good, "enabled": False, "keep_days": 30}).json()
    assert off["next_run_at"] is None and off["keep_days"] == 30, off
    used = s.call("DELETE", f"/api/v1/backup-accounts/{s.account}", ADMIN)
    assert used.status_code == 409 and "1 backup strategies" in used.json()["detail"], used.text
    assert s.call("DELETE", path, RO).status_code == 403
    assert s.call("DELETE", path).status_code == 204
    assert s.call("GET", path).status_code == 404
    assert s.call("DELETE", path).status_code == 404


def test_two_replicas_start_one_backup_per_tick_and_one_for_a_missed_window(sched: Sched) -> None:
    s = sched
    c = running_cluster(s.w)
    s.strategy(c["id"], keep_count=100)
    t0 = _hour_ahead(days=2)
    # t0 is due (the strategy's first tick was the next real hour); half an hour later nothing is.
    first, nothing = s.ticks([t0, t0 + timedelta(minutes=30)])
    assert len(first) == 1 and nothing == [], (first, nothing)
    made = s.backups(c["id"])
    assert [(b["id"], b["trigger"], b["created_by"]) for b in made] == [(first[0], "schedule", "schedule")]
    shown = s.call("GET", f"/api/v1/clusters/{c['id']}/backup-strategy").json()
    assert datetime.fromisoformat(shown["next_run_at"]) == t0 + timedelta(hours=1), shown
    assert shown["last_backup_id"] == first[0] and shown["last_error"] == "", shown

    # The cluster is still busy with that backup: the next tick is refused, recorded, and not retried.
    (busy,) = s.ticks([t0 + timedelta(hours=1)])
    assert busy == []
    shown = s.call("GET", f"/api/v1/clusters/{c['id']}/backup-strategy").json()
    assert "busy" in shown["last_error"] and shown["last_backup_id"] == first[0], shown
    assert datetime.fromisoformat(shown["next_run_at"]) == t0 + timedelta(hours=2), shown
    s.good_and_free(first[0])

    # Five ticks missed (replicas down): one backup, and the next tick is the first after now.
    late = t0 + timedelta(hours=6, minutes=30)
    (caught_up,) = s.ticks([late])
    assert len(caught_up) == 1, caught_up
    shown = s.call("GET", f"/api/v1/clusters/{c['id']}/backup-strategy").json()
    assert datetime.fromisoformat(shown["next_run_at"]) == t0 + timedelta(hours=7) and shown["last_error"] == ""
    s.good_and_free(caught_up[0])
    # Each of three later ticks, taken by either replica: one backup each.
    for hours in (7, 8, 9):
        (one,) = s.ticks([t0 + timedelta(hours=hours, seconds=1)])
        assert len(one) == 1, (hours, one)
        s.good_and_free(one[0])
    assert len(s.backups(c["id"])) == 5
    # Disabled: no tick is due.
    s.strategy(c["id"], enabled=False)
    assert s.ticks([t0 + timedelta(days=3)]) == [[]]


def test_retention_keeps_count_and_never_the_last_good_one(sched: Sched) -> None:
    s = sched
    c = running_cluster(s.w)
    s.strategy(c["id"], keep_count=3)
    t0 = _hour_ahead(days=2)
    made = []
    for hours in range(4):
        (one,) = s.ticks([t0 + timedelta(hours=hours)])
        assert len(one) == 1, one
        made.append(one[0])
        s.good_and_free(one[0])
        assert s.snapshots() == hours + 1
    # The round after the fourth became good deletes the oldest, from the account too.
    (none,) = s.ticks([t0 + timedelta(hours=3, minutes=1)])
    assert none == []
    assert [b["id"] for b in s.backups(c["id"])] == made[:0:-1]
    assert s.snapshots() == 3
    row = s.row(made[0])
    assert row["status"] == "deleted" and "retention" in row["message"], row

    # By age: everything older than a day goes, except the newest good backup, however old.
    s.strategy(c["id"], keep_count=100, keep_days=1)
    # (Each of these rounds also starts a backup, or is refused while one runs: never good, never counted.)
    s.ticks([t0 + timedelta(days=30)])
    assert [b["id"] for b in s.backups(c["id"], "good")] == [made[3]]
    assert s.snapshots() == 1
    s.ticks([t0 + timedelta(days=300)])
    assert [b["id"] for b in s.backups(c["id"], "good")] == [made[3]] and s.snapshots() == 1


def test_a_deleted_clusters_strategy_goes_with_it_and_its_backups_stay(sched: Sched) -> None:
    s = sched
    c = running_cluster(s.w)
    s.strategy(c["id"])
    gone = Envelope(id=str(uuid.uuid4()), source="ko/deployment", type="kubeoperator.deployment.cluster.deleted.v1",
                    time=datetime.now(UTC), subject=c["id"], projectid=c["project_id"],
                    data={**c, "status": "terminating"})  # fmt: skip

    async def announce() -> None:
        bus = EventBus(s.settings.nats_url, "deployment-stand-in")
        await bus.connect(retry_forever=False)
        try:
            await bus.publish("ko.deployment.cluster.deleted", gone.model_dump_json().encode(), msg_id=gone.id)
        finally:
            await bus.close()

    asyncio.run(announce())
    path = f"/api/v1/clusters/{c['id']}/backup-strategy"
    deadline = time.monotonic() + 30
    while s.call("GET", path).status_code != 404:
        assert time.monotonic() < deadline, "the deleted cluster's strategy is still there"
        time.sleep(0.2)
