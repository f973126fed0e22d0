"""Backups and restores of a cluster's etcd: who may, what is checked first, and what a backup's state means.

The work on the nodes is the deployment service's (it holds the nodes' logins and runs Ansible): this
service asks it for an `etcd-backup` or `etcd-restore` operation through the job-request contract
(`ko.operations/v1`, idempotent by the backup's or restore's id) and keeps the files. The snapshot
reaches the account streamed through this service (`receive_snapshot`: checksummed on the way, never
held whole in memory); the PKI beside it is encrypted with the service's key before it is stored.

A backup is `good` only after the member's receipt matched what the account holds (`complete`). A
backup whose operation ended otherwise is marked `failed` by `reconcile` and its partial objects are
removed, so a half file is never listed as restorable. Nothing here commits: the caller's transaction
(a request's, or the reconciler's) does.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Update, update
from sqlalchemy.ext.asyncio import AsyncSession

from ko_backup.accounts.repository import BackupAccountRepository
from ko_backup.accounts.service import reveal
from ko_backup.backups import events
from ko_backup.backups.models import Backup, Restore
from ko_backup.backups.repository import BackupRepository, RestoreRepository
from ko_backup.backups.schemas import BackupEvent, Receipt, RestoreCreate, RestoreEvent
from ko_backup.storage import StorageError, open_storage
from ko_common.cluster_access import (
    ClusterAccessClient,
    ClusterAccessError,
    ClusterInfo,
    ClusterNotFound,
)
from ko_common.crypto import box_for
from ko_common.db import utcnow
from ko_common.errors import Conflict, InvalidInput, NotFound, Unavailable
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_common.operations.jobs import JobRequestError, OperationRequester
from ko_common.operations.schemas import OperationOut

log = logging.getLogger(__name__)
TABLE = "backups"
PKI_LIMIT = 32 << 20  # bytes: the PKI directories are a few hundred KiB


@dataclass
class Deps:
    """What the backup work needs besides the database: the deployment service, twice."""

    clusters: ClusterAccessClient
    jobs: OperationRequester
    storage_timeout: float = 10.0


async def cluster_for(deps: Deps, identity: Identity | None, cluster_id: str, *, write: bool = False) -> ClusterInfo:
    """The cluster as the deployment service knows it, once the caller may read (or change) its project."""
    try:
        info = await deps.clusters.info(cluster_id)
    except ClusterNotFound as exc:
        raise NotFound(f"No cluster {cluster_id}: check the id.", field="cluster_id") from exc
    except ClusterAccessError as exc:
        raise Unavailable(f"The deployment service could not say what cluster {cluster_id} is: {exc}") from exc
    if identity is not None:
        if not identity.can_read(info.project_id):
            raise NotFound(f"No cluster {cluster_id}: check the id.", field="cluster_id")
        if write:
            identity.require_write(info.project_id)
    return info


async def start_backup(
    session: AsyncSession, deps: Deps, info: ClusterInfo, account_id: str, *, created_by: str, trigger: str = "manual"
) -> Backup:
    """A new backup of the cluster into the account: the record, then the deployment operation that fills it."""
    accounts = BackupAccountRepository(session)
    account = await accounts.get(account_id)
    shared = (await accounts.projects_of([account_id])).get(account_id, []) if account else []
    if account is None or info.project_id not in shared:
        raise InvalidInput(
            f"account_id: no backup account {account_id} is shared with this cluster's project: pick one from "
            "GET /api/v1/backup-accounts, or ask an admin to share one.",
            field="account_id",
        )
    if info.status not in ("running", "upgrading", "scaling"):
        raise Conflict(
            f"Cluster {info.name} is {info.status}: only a deployed cluster has an etcd to back up.",
            field="cluster_id",
        )
    backup = Backup(
        project_id=info.project_id, cluster_id=info.cluster_id, cluster_name=info.name, account_id=account_id,
        trigger=trigger, status="running", message="Taking the etcd snapshot.", created_by=created_by,
        object_key="", pki_key="", pki_uploaded=False,
    )  # fmt: skip
    repo = BackupRepository(session)
    await repo.add(backup)
    prefix = f"clusters/{_segment(info.name)}-{info.cluster_id[:8]}/{utcnow():%Y%m%dT%H%M%SZ}-{backup.id[:8]}"
    backup.object_key, backup.pki_key = f"{prefix}/etcd.db", f"{prefix}/pki.tar.gz.enc"
    try:
        ticket = await deps.jobs.request(
            "etcd-backup", info.project_id, info.cluster_id, {"backup_id": backup.id}, request_id=f"backup-{backup.id}"
        )
    except JobRequestError as exc:
        raise _refused(exc, "backup") from exc
    backup.operation_id = ticket.operation_id
    await session.flush()
    await emit(
        session, events.BACKUP_STARTED, BackupEvent.of(backup), subject_id=backup.id, project_id=backup.project_id
    )
    log.info("backup started", extra=log_fields(backup_id=backup.id, cluster_id=info.cluster_id, trigger=trigger))
    return backup


async def get_backup(session: AsyncSession, cluster_id: str, backup_id: str) -> Backup:
    backup = await BackupRepository(session).get(backup_id)
    if backup is None or backup.cluster_id != cluster_id or backup.status == "deleted":
        raise NotFound(f"No backup {backup_id} of cluster {cluster_id}.", field="backup_id")
    return backup


async def delete_backup(session: AsyncSession, backup: Backup, timeout: float, *, reason: str) -> None:
    """Its objects removed from the account, then the record marked deleted (kept: restores name it)."""
    if backup.status == "running":
        raise Conflict(f"Backup {backup.id} is still running: wait for it to end, or cancel its operation.")
    await _remove_objects(session, backup, timeout)
    backup.status, backup.message = "deleted", reason
    await session.flush()
    await emit(
        session, events.BACKUP_DELETED, BackupEvent.of(backup), subject_id=backup.id, project_id=backup.project_id
    )


async def start_restore(
    session: AsyncSession, deps: Deps, info: ClusterInfo, body: RestoreCreate, *, created_by: str
) -> Restore:
    if body.confirm != info.name:
        raise InvalidInput(
            f"confirm: type the cluster's name ({info.name}) to confirm: a restore replaces all of its data.",
            field="confirm",
        )
    backup = await get_backup(session, info.cluster_id, body.backup_id)
    if backup.status != "good":
        raise InvalidInput(f"backup_id: backup {backup.id} is {backup.status}, not good: pick a good one.",
                           field="backup_id")  # fmt: skip
    if _minor(backup.kubernetes_version) != _minor(info.version):
        raise InvalidInput(
            f"backup_id: backup {backup.id} is of Kubernetes {backup.kubernetes_version} and the cluster runs "
            f"{info.version}: restore a backup of the same minor version ({_minor(info.version)}).",
            field="backup_id",
        )
    repo = RestoreRepository(session)
    restore = Restore(project_id=info.project_id, cluster_id=info.cluster_id, backup_id=backup.id,
                      status="running", message="Restoring.", created_by=created_by)  # fmt: skip
    await repo.add(restore)
    params = {"backup_id": backup.id, "restore_id": restore.id, "sha256": backup.sha256, "size": backup.size,
              "kubernetes_version": backup.kubernetes_version}  # fmt: skip
    try:
        ticket = await deps.jobs.request(
            "etcd-restore", info.project_id, info.cluster_id, params, request_id=f"restore-{restore.id}"
        )
    except JobRequestError as exc:
        raise _refused(exc, "restore") from exc
    restore.operation_id = ticket.operation_id
    await session.flush()
    await emit(session, events.RESTORE_STARTED, RestoreEvent.of(restore), subject_id=restore.id,
               project_id=restore.project_id)  # fmt: skip
    return restore


# --- the deployment service's side: the snapshot and PKI delivered, the receipt, the snapshot read back ---


async def running_backup(session: AsyncSession, backup_id: str) -> Backup:
    backup = await BackupRepository(session).get(backup_id)
    if backup is None:
        raise NotFound(f"No backup {backup_id}.", field="backup_id")
    if backup.status != "running":
        raise Conflict(f"Backup {backup_id} is {backup.status}: it takes no more files.", field="backup_id")
    return backup


async def receive_snapshot(session: AsyncSession, backup: Backup, body: AsyncIterable[bytes], timeout: float) -> None:
    """Stream the snapshot into the account, computing its checksum and size on the way."""
    digest, size = hashlib.sha256(), 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal size
        async for chunk in body:
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    spec = await reveal(session, backup.account_id)
    try:
        async with open_storage(spec, timeout) as storage:
            await storage.put(backup.object_key, counted())
    except StorageError as exc:
        raise Unavailable(f"The backup account refused the snapshot ({exc.field}): {exc.detail}") from exc
    backup.uploaded_sha256, backup.uploaded_size = digest.hexdigest(), size
    backup.message = f"Snapshot stored ({size} bytes); waiting for the PKI and the receipt."
    await session.flush()


async def receive_pki(session: AsyncSession, backup: Backup, data: bytes, timeout: float) -> None:
    """The cluster's PKI (a tar.gz of its CA keys and certificates), encrypted before it leaves this service."""
    if len(data) > PKI_LIMIT:
        raise InvalidInput(f"The PKI archive is {len(data)} bytes, over {PKI_LIMIT}.", field="pki")
    sealed = box_for(session).encrypt(base64.b64encode(data).decode(), table=TABLE, row_id=backup.id, field="pki")

    async def once() -> AsyncIterator[bytes]:
        yield sealed.encode()

    spec = await reveal(session, backup.account_id)
    try:
        async with open_storage(spec, timeout) as storage:
            await storage.put(backup.pki_key, once())
    except StorageError as exc:
        raise Unavailable(f"The backup account refused the PKI ({exc.field}): {exc.detail}") from exc
    backup.pki_uploaded = True
    await session.flush()


async def complete(session: AsyncSession, backup: Backup, receipt: Receipt) -> Backup:
    """The member's receipt: the backup is good when the account holds exactly what the member wrote."""
    if backup.uploaded_sha256 != receipt.sha256 or backup.uploaded_size != receipt.size:
        raise InvalidInput(
            f"The snapshot in the account ({backup.uploaded_size} bytes, sha256 {backup.uploaded_sha256}) is not the "
            f"member's ({receipt.size} bytes, sha256 {receipt.sha256}): deliver it again.",
            field="sha256",
        )
    if not backup.pki_uploaded:
        raise InvalidInput("The PKI archive was not delivered yet: deliver it before the receipt.", field="pki")
    # Good only if still running when written: the reconciler may have failed it meanwhile (and removed its files).
    claimed = await _while_running(
        session,
        update(Backup)
        .where(Backup.id == backup.id, Backup.status == "running")
        .values(
            sha256=receipt.sha256,
            size=receipt.size,
            revision=receipt.revision,
            total_keys=receipt.total_keys,
            etcd_hash=receipt.hash,
            member=receipt.member,
            kubernetes_version=receipt.kubernetes_version,
            status="good",
            completed_at=utcnow(),
            message=f"Revision {receipt.revision}, {receipt.total_keys} keys, taken on {receipt.member}.",
        ),
    )
    await session.refresh(backup)
    if not claimed:
        raise Conflict(f"Backup {backup.id} is {backup.status}: it takes no receipt.", field="backup_id")
    await emit(session, events.BACKUP_SUCCEEDED, BackupEvent.of(backup), subject_id=backup.id,
               project_id=backup.project_id)  # fmt: skip
    log.info("backup good", extra=log_fields(backup_id=backup.id, cluster_id=backup.cluster_id, size=receipt.size))
    return backup


async def snapshot_stream(session: AsyncSession, backup_id: str, timeout: float) -> tuple[Backup, AsyncIterator[bytes]]:
    """A good backup's snapshot, streamed from its account (the receiver checks the sha256)."""
    backup = await BackupRepository(session).get(backup_id)
    if backup is None or backup.status != "good":
        raise NotFound(f"No good backup {backup_id}.", field="backup_id")
    spec = await reveal(session, backup.account_id)

    async def chunks() -> AsyncIterator[bytes]:
        async with open_storage(spec, timeout) as storage:
            async for chunk in storage.get(backup.object_key):
                yield chunk

    return backup, chunks()


# --- what the operations' ends mean here (the reconciler) ---


async def reconcile(session: AsyncSession, deps: Deps) -> int:
    """Running backups and restores whose operation ended: recorded as it ended. Returns how many changed."""
    changed = 0
    for backup in await BackupRepository(session).running():
        op = await _operation(deps, backup.operation_id)
        if op is None or op.status not in ("succeeded", "failed", "cancelled"):
            continue
        if op.status == "succeeded":
            continue  # its receipt makes it good; a succeeded operation without one is caught below next time
        reason = str(_reason(op))[:1000]
        # The receipt may have made it good while the operation was asked about (then cancelled or failed
        # in a later phase): only a backup that is still running becomes failed, decided by the database.
        claimed = await _while_running(
            session,
            update(Backup)
            .where(Backup.id == backup.id, Backup.status == "running")
            .values(status="failed", message=reason, completed_at=utcnow()),
        )
        await session.refresh(backup)
        if not claimed:
            continue
        await _remove_objects(session, backup, deps.storage_timeout)
        await emit(session, events.BACKUP_FAILED, BackupEvent.of(backup), subject_id=backup.id,
                   project_id=backup.project_id)  # fmt: skip
        changed += 1
    for restore in await RestoreRepository(session).running():
        op = await _operation(deps, restore.operation_id)
        if op is None or op.status not in ("succeeded", "failed", "cancelled"):
            continue
        claimed = await _while_running(
            session,
            update(Restore)
            .where(Restore.id == restore.id, Restore.status == "running")
            .values(status=op.status, message="Restored." if op.status == "succeeded" else _reason(op),
                    completed_at=utcnow()),
        )  # fmt: skip
        await session.refresh(restore)
        if not claimed:
            continue
        spec = events.RESTORE_SUCCEEDED if op.status == "succeeded" else events.RESTORE_FAILED
        await emit(session, spec, RestoreEvent.of(restore), subject_id=restore.id, project_id=restore.project_id)
        changed += 1
    return changed


async def _while_running(session: AsyncSession, statement: Update) -> bool:
    """Run a conditional update (`... WHERE status = 'running'`): True when it changed the row, so of two
    writers racing to end a record (the receipt, the reconciler) exactly one wins."""
    result = cast("CursorResult[Any]", await session.execute(statement.execution_options(synchronize_session=False)))
    return result.rowcount == 1


async def _operation(deps: Deps, operation_id: str | None) -> OperationOut | None:
    if operation_id is None:
        return None
    try:
        return await deps.jobs.get(operation_id)
    except JobRequestError as exc:
        log.warning("operation state unavailable", extra=log_fields(operation_id=operation_id, status=exc.status))
        return None


def _reason(op: OperationOut) -> str:
    message = op.failure.message if op.failure is not None else ""
    return (message or f"The operation was {op.status}.")[:1000]


async def _remove_objects(session: AsyncSession, backup: Backup, timeout: float) -> None:
    try:
        spec = await reveal(session, backup.account_id)
        async with open_storage(spec, timeout) as storage:
            for key in (backup.object_key, backup.pki_key):
                if key:
                    await storage.delete(key)
    except (StorageError, NotFound) as exc:
        # The record still changes: a file that cannot be removed now is not listed as good either.
        log.warning("backup objects not removed", extra=log_fields(backup_id=backup.id, error=str(exc)))


def _refused(exc: JobRequestError, what: str) -> Exception:
    if exc.status == 409:
        return Conflict(f"The cluster is busy: {exc}", field="cluster_id")
    if exc.status in (400, 422):
        return InvalidInput(str(exc), field=exc.field or "cluster_id")
    return Unavailable(f"The deployment service did not take the {what}: {exc}")


def _minor(version: str | None) -> str:
    parts = (version or "").lstrip("v").split(".")
    return ".".join(parts[:2])


def _segment(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "-", name)[:48] or "cluster"
