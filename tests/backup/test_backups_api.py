"""Backups and restores through the backup service's API, with the real deployment service behind it
(no lab: its operations stay queued, and the test delivers a backup's files as the deployment's
`deliver` phase does, through the internal routes).

- who may: a read-only member lists but cannot back up or restore; another project's member does not
  see the cluster; an account not shared with the cluster's project is refused naming `account_id`;
- a backup asks the deployment service for an `etcd-backup` operation whose spec it built (nodes,
  `ko_backup`), and is `running` until its files and the member's receipt match; a receipt whose
  checksum differs from what the account holds is refused; only the deployment service may deliver;
- the PKI is stored encrypted (no key in the account's file);
- a backup whose operation is cancelled becomes `failed` and its partial file is removed;
- a restore needs the cluster's name typed again, a good backup, and the same minor version (both
  named), and asks for an `etcd-restore` operation.
The snapshot, the delivery and the restore on real etcd: tests/deployment/test_real_cluster_lab.py.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from ko_backup.app import BackupSettings
from ko_backup.app import create_app as create_backup
from ko_backup.backups.service import Deps as BackupDeps
from ko_backup.backups.service import reconcile
from ko_common.db import Database
from ko_common.identity import Identity, service_identity
from tests.deployment.test_cluster_workers_api import running_cluster
from tests.deployment.test_clusters_api import KEY, OUTSIDER, PM, RO, World, database_url, world
from tests.support.procs import NatsServer
from tests.support.serve import identity_headers, served

__all__ = ["database_url", "world"]
ADMIN = Identity("u-admin", "admin", is_admin=True)
DEPLOYMENT = service_identity("deployment")


@dataclass
class Stage:
    w: World
    base: str
    directory: Path
    account: str

    def call(self, method: str, path: str, who: Identity = PM, **kw: Any) -> httpx.Response:
        return self.w.http.request(
            method, self.base + path, headers=identity_headers(who, KEY.encode(), "backup"), **kw
        )

    def wait(self, path: str, status: str) -> dict[str, Any]:
        deadline = time.monotonic() + 30
        while (got := self.call("GET", path).json())["status"] != status:
            assert time.monotonic() < deadline, got
            time.sleep(0.2)
        return dict(got)


@pytest.fixture
def stage(world: World, tmp_path: Path, nats_server: NatsServer) -> Iterator[Stage]:
    settings = BackupSettings(
        data_dir=tmp_path / "backup", database_url=f"sqlite+aiosqlite:///{tmp_path}/backup.db",
        nats_url=nats_server.url, identity_key=KEY,
        secret_key=base64.b64encode(os.urandom(32)).decode(), deployment_url=world.deployment,
        reconcile_seconds=0.2,
    )  # type: ignore[call-arg]  # fmt: skip
    with served(create_backup(settings)) as base:
        directory = tmp_path / "local-account"
        directory.mkdir()
        s = Stage(world, base, directory, "")
        body = {"name": "local", "kind": "local", "directory": str(directory), "project_ids": ["pc1"]}
        r = s.call("POST", "/api/v1/backup-accounts", ADMIN, json=body)
        assert r.status_code == 201, r.text
        s.account = r.json()["id"]
        yield s


def _op_spec(w: World, op_id: str) -> dict[str, Any]:
    engine = create_engine(w.dep_sync_url)
    with engine.begin() as conn:
        spec = conn.execute(text("SELECT spec FROM operations WHERE id = :id"), {"id": op_id}).scalar_one()
    engine.dispose()
    return dict(json.loads(spec) if isinstance(spec, str) else spec)


def _deliver(s: Stage, backup_id: str, snapshot: bytes, *, sha256: str | None = None) -> httpx.Response:
    base = f"/internal/backups/{backup_id}"
    # Streamed (chunked) as the deployment service sends it: larger than any JSON body may be.
    chunks = iter([snapshot[i : i + 65536] for i in range(0, len(snapshot), 65536)])
    assert s.call("PUT", f"{base}/snapshot", DEPLOYMENT, content=chunks).status_code == 204
    pki = b"-----BEGIN RSA PRIVATE KEY----- pretend ca.key -----END RSA PRIVATE KEY-----"
    assert s.call("PUT", f"{base}/pki", DEPLOYMENT, content=pki).status_code == 204
    receipt = {"sha256": sha256 or hashlib.sha256(snapshot).hexdigest(), "size": len(snapshot), "revision": 4321,
               "total_keys": 1234, "hash": 987654, "member": "node1", "kubernetes_version": "1.36.0"}  # fmt: skip
    return s.call("POST", f"{base}/receipt", DEPLOYMENT, json=receipt)


def test_who_may_back_up_and_which_accounts(stage: Stage) -> None:
    s = stage
    c = running_cluster(s.w)
    path = f"/api/v1/clusters/{c['id']}/backups"
    assert s.call("GET", path, RO).status_code == 200
    assert s.call("POST", path, RO, json={"account_id": s.account}).status_code == 403
    assert s.call("GET", path, OUTSIDER).status_code == 404
    assert s.call("GET", "/api/v1/clusters/nope/backups").status_code == 404
    body = {"name": "other", "kind": "local", "directory": str(s.directory), "project_ids": ["pc2"]}
    r = s.call("POST", "/api/v1/backup-accounts", ADMIN, json=body)
    for account in (r.json()["id"], "missing"):
        refused = s.call("POST", path, json={"account_id": account})
        assert refused.status_code == 422 and refused.json()["field"] == "account_id", refused.text
    assert s.call("GET", path).json()["total"] == 0  # nothing stored by a refusal


def test_a_backup_is_good_only_once_the_account_holds_what_the_member_wrote(stage: Stage) -> None:
    s, w = stage, stage.w
    c = running_cluster(w)
    r = s.call("POST", f"/api/v1/clusters/{c['id']}/backups", json={"account_id": s.account})
    assert r.status_code == 201, r.text
    backup = r.json()
    assert backup["status"] == "running" and backup["trigger"] == "manual", backup
    op = w.call("GET", f"/api/v1/operations/{backup['operation_id']}").json()
    assert op["kind"] == "etcd-backup" and [p["name"] for p in op["phases"]] == ["etcd-backup", "deliver", "cleanup"]
    spec = _op_spec(w, op["id"])
    assert spec["extravars"]["ko_backup"]["id"] == backup["id"] and spec["nodes"], spec
    assert spec["extravars"]["ko_backup"]["kubernetes_version"] == "1.36.0"
    # Busy: one operation per cluster at a time.
    busy = s.call("POST", f"/api/v1/clusters/{c['id']}/backups", json={"account_id": s.account})
    assert busy.status_code == 409, busy.text

    snapshot = os.urandom(3_000_000)  # over KO_MAX_BODY_BYTES
    # Only the deployment service delivers.
    assert s.call("PUT", f"/internal/backups/{backup['id']}/snapshot", PM, content=snapshot).status_code == 403
    wrong = _deliver(s, backup["id"], snapshot, sha256="0" * 64)
    assert wrong.status_code == 422 and wrong.json()["field"] == "sha256", wrong.text
    assert s.call("GET", f"/api/v1/clusters/{c['id']}/backups/{backup['id']}").json()["status"] == "running"
    good = _deliver(s, backup["id"], snapshot)
    assert good.status_code == 200 and good.json()["status"] == "good", good.text
    shown = s.call("GET", f"/api/v1/clusters/{c['id']}/backups/{backup['id']}").json()
    assert (shown["revision"], shown["total_keys"], shown["size"]) == (4321, 1234, len(snapshot)), shown
    stored = {p.name: p.read_bytes() for p in s.directory.rglob("*") if p.is_file()}
    assert stored["etcd.db"] == snapshot
    assert b"PRIVATE KEY" not in stored["pki.tar.gz.enc"] and stored["pki.tar.gz.enc"].startswith(b"v1:")
    # A good backup takes no more files.
    assert s.call("PUT", f"/internal/backups/{backup['id']}/snapshot", DEPLOYMENT, content=b"x").status_code == 409
    # The deployment service reads it back with its checksum.
    back = s.call("GET", f"/internal/backups/{backup['id']}/snapshot", DEPLOYMENT)
    assert back.content == snapshot and back.headers["x-checksum-sha256"] == shown["sha256"]
    # The account cannot go while it holds the backup; once the backup is deleted, it can.
    kept = s.call("DELETE", f"/api/v1/backup-accounts/{s.account}", ADMIN)
    assert kept.status_code == 409 and "holds 1 backups" in kept.json()["detail"], kept.text
    assert s.call("GET", f"/api/v1/backup-accounts/{s.account}", ADMIN).status_code == 200
    assert s.call("DELETE", f"/api/v1/clusters/{c['id']}/backups/{backup['id']}").status_code == 204
    assert s.call("DELETE", f"/api/v1/backup-accounts/{s.account}", ADMIN).status_code == 204


def test_a_cancelled_backup_fails_and_leaves_no_file(stage: Stage) -> None:
    s, w = stage, stage.w
    c = running_cluster(w)
    backup = s.call("POST", f"/api/v1/clusters/{c['id']}/backups", json={"account_id": s.account}).json()
    assert s.call("PUT", f"/internal/backups/{backup['id']}/snapshot", DEPLOYMENT, content=b"half").status_code == 204
    assert w.call("POST", f"/api/v1/operations/{backup['operation_id']}/cancel").status_code == 200
    failed = s.wait(f"/api/v1/clusters/{c['id']}/backups/{backup['id']}", "failed")
    assert "cancelled" in failed["message"], failed
    assert not [p for p in s.directory.rglob("*") if p.is_file()]
    assert s.call("GET", f"/api/v1/clusters/{c['id']}/backups", params={"status": "good"}).json()["total"] == 0


def test_a_restore_needs_the_name_a_good_backup_and_the_same_minor(stage: Stage) -> None:
    s, w = stage, stage.w
    c = running_cluster(w)
    backup = s.call("POST", f"/api/v1/clusters/{c['id']}/backups", json={"account_id": s.account}).json()
    path = f"/api/v1/clusters/{c['id']}/restores"
    not_good = s.call("POST", path, json={"backup_id": backup["id"], "confirm": c["name"]})
    assert not_good.status_code == 422 and not_good.json()["field"] == "backup_id", not_good.text
    assert _deliver(s, backup["id"], b"snapshot-bytes").status_code == 200
    assert w.call("POST", f"/api/v1/operations/{backup['operation_id']}/cancel").status_code == 200
    assert s.call("POST", path, RO, json={"backup_id": backup["id"], "confirm": c["name"]}).status_code == 403
    wrong = s.call("POST", path, json={"backup_id": backup["id"], "confirm": "not-the-name"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "confirm" and c["name"] in wrong.json()["detail"]
    engine = create_engine(w.dep_sync_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE clusters SET version = '1.37.1' WHERE id = :id"), {"id": c["id"]})
    other = s.call("POST", path, json={"backup_id": backup["id"], "confirm": c["name"]})
    assert other.status_code == 422 and other.json()["field"] == "backup_id", other.text
    assert "1.36.0" in other.json()["detail"] and "1.37.1" in other.json()["detail"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE clusters SET version = '1.36.0' WHERE id = :id"), {"id": c["id"]})
    engine.dispose()
    r = s.call("POST", path, json={"backup_id": backup["id"], "confirm": c["name"]})
    assert r.status_code == 201, r.text
    op = w.call("GET", f"/api/v1/operations/{r.json()['operation_id']}").json()
    assert op["kind"] == "etcd-restore" and [p["name"] for p in op["phases"]] == ["fetch-backup", "etcd-restore"]
    restore = _op_spec(w, op["id"])["extravars"]["ko_restore"]
    assert restore["backup_id"] == backup["id"] and restore["token"].startswith("ko-"), restore
    assert s.call("GET", path).json()["items"][0]["status"] == "running"
    assert w.call("POST", f"/api/v1/operations/{op['id']}/cancel").status_code == 200
    deadline = time.monotonic() + 30
    while (item := s.call("GET", path).json()["items"][0])["status"] == "running":
        assert time.monotonic() < deadline, item
        time.sleep(0.2)
    assert item["status"] == "cancelled", item


def test_a_receipt_arriving_while_the_reconciler_asks_about_the_operation_keeps_the_backup_good(
    stage: Stage, tmp_path: Path
) -> None:
    """The race CI met: the reconciler read the backup as running, the receipt made it good, then the
    operation was cancelled. The database decides: a backup that is no longer running is not failed, and
    its files stay."""
    s = stage
    c = running_cluster(s.w)
    backup = s.call("POST", f"/api/v1/clusters/{c['id']}/backups", json={"account_id": s.account}).json()

    class ReceiptArrivesMeanwhile:
        async def get(self, operation_id: str) -> Any:
            assert _deliver(s, backup["id"], b"snapshot-bytes").status_code == 200  # while the reconciler waits
            return SimpleNamespace(status="cancelled", failure=None)

    async def reconcile_once() -> int:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/backup.db", "backup")
        try:
            async with db.transaction() as session:
                deps = BackupDeps(clusters=None, jobs=ReceiptArrivesMeanwhile())  # type: ignore[arg-type]
                return await reconcile(session, deps)
        finally:
            await db.dispose()

    assert asyncio.run(reconcile_once()) == 0
    shown = s.call("GET", f"/api/v1/clusters/{c['id']}/backups/{backup['id']}").json()
    assert shown["status"] == "good", shown
    assert next(s.directory.rglob("etcd.db")).read_bytes() == b"snapshot-bytes"


def test_a_delivery_cut_midway_leaves_no_file_and_a_second_one_makes_the_backup_good(stage: Stage) -> None:
    """A deployment worker killed mid-upload: the account never shows a half snapshot, the backup is not
    good, and the resumed operation's delivery succeeds."""
    s, w = stage, stage.w
    c = running_cluster(w)
    backup = s.call("POST", f"/api/v1/clusters/{c['id']}/backups", json={"account_id": s.account}).json()
    snapshot = os.urandom(4_000_000)

    def cut() -> Iterator[bytes]:
        yield snapshot[:1_000_000]
        yield snapshot[1_000_000:2_000_000]
        raise ConnectionResetError("the deployment worker was killed")

    with pytest.raises((httpx.HTTPError, ConnectionResetError)):
        s.call("PUT", f"/internal/backups/{backup['id']}/snapshot", DEPLOYMENT, content=cut())
    time.sleep(0.5)
    assert not [p for p in s.directory.rglob("etcd.db")], "a half snapshot is visible in the account"
    shown = s.call("GET", f"/api/v1/clusters/{c['id']}/backups/{backup['id']}").json()
    assert shown["status"] == "running" and shown["sha256"] is None, shown
    good = _deliver(s, backup["id"], snapshot)
    assert good.status_code == 200 and good.json()["status"] == "good", good.text
    assert next(s.directory.rglob("etcd.db")).read_bytes() == snapshot
