"""Backup accounts: admin-only changes, project sharing, validation per kind, encryption at rest, the
storage test that every create and storage change must pass, and events.

An account is proven before anything is stored: the draft (request over stored values) is turned
into a storage spec and probed (write, read back, compare, delete) while nothing has been written
to the database yet, so a refused account leaves no row, and a slow storage holds no database lock.
The caller's transaction is the request's: this module only flushes.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_backup.accounts import events
from ko_backup.accounts.models import BackupAccount
from ko_backup.accounts.repository import BackupAccountRepository
from ko_backup.accounts.schemas import (
    KIND_FIELDS,
    REQUIRED,
    SECRETS,
    AccountTestResult,
    BackupAccountCreate,
    BackupAccountEvent,
    BackupAccountUpdate,
)
from ko_backup.storage import LocalSpec, S3Spec, SftpSpec, StorageError, StorageSpec, probe
from ko_backup.storage.sftp import parse_host_key
from ko_common.crypto import SecretBox, box_for
from ko_common.db import new_id
from ko_common.errors import Conflict, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields

log = logging.getLogger(__name__)
TABLE = "backup_accounts"
# What a storage setting left out (or set to null) means.
DEFAULTS: dict[str, dict[str, Any]] = {
    "sftp": {"port": 22},
    "s3": {"region": "us-east-1", "path_style": True, "verify_tls": True},
}


@dataclass
class Draft:
    """An account's storage settings as they will be: plain columns, and secrets in clear (kept out of repr)."""

    kind: str
    values: dict[str, Any]
    secrets: dict[str, str | None] = field(repr=False)


async def list_accounts(
    session: AsyncSession,
    identity: Identity,
    project_id: str | None,
    kind: str | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[BackupAccount, list[str]]], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    repo = BackupAccountRepository(session)
    items, total = await repo.search(projects, kind, q, limit, offset)
    shares = await repo.projects_of(a.id for a in items)
    return [(a, visible_projects(identity, shares.get(a.id, []))) for a in items], total


def visible_projects(identity: Identity, project_ids: list[str]) -> list[str]:
    # A member learns which of their own projects share an account, not which other projects exist.
    return list(project_ids) if identity.is_admin else [p for p in project_ids if p in identity.projects]


async def get(session: AsyncSession, identity: Identity, account_id: str) -> tuple[BackupAccount, list[str]]:
    repo = BackupAccountRepository(session)
    account = await repo.get(account_id)
    shared = (await repo.projects_of([account_id])).get(account_id, []) if account else []
    # An account not shared with the caller's projects is reported missing, so ids cannot be probed.
    if account is None or not (identity.is_admin or set(shared) & set(identity.projects)):
        raise NotFound(f"No backup account {account_id}: check the id, or ask an admin to share it with your project.")
    return account, visible_projects(identity, shared)


async def create(
    session: AsyncSession, identity: Identity, body: BackupAccountCreate, timeout: float
) -> tuple[BackupAccount, list[str]]:
    identity.require_admin()
    given = body.model_fields_set
    values = dict(DEFAULTS.get(body.kind, {}))
    values |= {n: getattr(body, n) for n in KIND_FIELDS[body.kind] if n not in SECRETS and getattr(body, n) is not None}
    secrets = {name: _plain(getattr(body, name)) for name in SECRETS if name in KIND_FIELDS[body.kind]}
    draft = Draft(body.kind, values, secrets)
    _refuse_problems(draft, given)
    repo = BackupAccountRepository(session)
    await _refuse_duplicate(repo, body.name)
    await _prove(draft, timeout)
    account = BackupAccount(id=new_id(), name=body.name, description=body.description, kind=body.kind)
    _apply(account, draft, box_for(session))
    try:
        await repo.add(account)
    except IntegrityError as exc:  # a concurrent create won the race
        raise _duplicate(body.name) from exc
    await repo.share(account.id, body.project_ids)
    await emit(session, events.CREATED, BackupAccountEvent.of(account, body.project_ids), subject_id=account.id)
    log.info("backup account created", extra=log_fields(account_id=account.id, kind=account.kind))
    return account, body.project_ids


async def update(
    session: AsyncSession, identity: Identity, account_id: str, body: BackupAccountUpdate, timeout: float
) -> tuple[BackupAccount, list[str]]:
    identity.require_admin()
    account, shared = await get(session, identity, account_id)
    given = body.model_fields_set
    if not given:
        return account, shared
    box = box_for(session)
    draft = _draft_of(account, box)
    storage_given = given - {"name", "description", "project_ids"}
    for name in storage_given & set(KIND_FIELDS[account.kind]):
        value = getattr(body, name)
        if name in SECRETS:
            draft.secrets[name] = _plain(value)
            other = {"password": "private_key", "private_key": "password"}.get(name)
            if value is not None and other and other not in given:
                draft.secrets[other] = None  # a new password replaces the key, and the other way round
        else:
            draft.values[name] = DEFAULTS.get(account.kind, {}).get(name) if value is None else value
    _refuse_problems(draft, given)
    repo = BackupAccountRepository(session)
    if body.name is not None and body.name != account.name:
        await _refuse_duplicate(repo, body.name)
    if storage_given:
        await _prove(draft, timeout)
    if body.name is not None:
        account.name = body.name
    if body.description is not None:
        account.description = body.description
    _apply(account, draft, box)
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise _duplicate(account.name) from exc
    if body.project_ids is not None:
        await repo.share(account.id, body.project_ids)
        shared = body.project_ids
    await emit(session, events.UPDATED, BackupAccountEvent.of(account, shared), subject_id=account.id)
    log.info("backup account updated", extra=log_fields(account_id=account.id, kind=account.kind))
    return account, shared


async def delete(session: AsyncSession, identity: Identity, account_id: str) -> None:
    identity.require_admin()
    account, shared = await get(session, identity, account_id)
    repo = BackupAccountRepository(session)
    backups, strategies = await repo.usage(account.id)
    if backups or strategies:  # they would point at nothing: restores impossible, schedules failing
        raise Conflict(
            f"The backup account {account.name} still holds {backups} backups and {strategies} backup strategies "
            "write into it: delete those backups and move or delete those strategies first."
        )
    await repo.share(account.id, [])
    await repo.delete(account)
    await emit(session, events.DELETED, BackupAccountEvent.of(account, shared), subject_id=account.id)
    log.info("backup account deleted", extra=log_fields(account_id=account.id, kind=account.kind))


async def test(session: AsyncSession, identity: Identity, account_id: str, timeout: float) -> AccountTestResult:
    identity.require_admin()
    account, _ = await get(session, identity, account_id)
    started = time.perf_counter()
    await _prove(_draft_of(account, box_for(session)), timeout)
    took = round((time.perf_counter() - started) * 1000, 1)
    return AccountTestResult(ok=True, detail="Wrote, read back and deleted a probe object.", duration_ms=took)


async def reveal(session: AsyncSession, account_id: str) -> StorageSpec:
    """The account's storage spec with its secrets, for this service's own backup work; never an HTTP answer.

    No identity check: the caller has already authorised the action that needs it.
    Raises NotFound, or ko_common.crypto.SecretBoxError if the stored data cannot be decrypted.
    """
    account = await BackupAccountRepository(session).get(account_id)
    if account is None:
        raise NotFound(f"No backup account {account_id}.")
    return _spec(_draft_of(account, box_for(session)))


def _draft_of(account: BackupAccount, box: SecretBox) -> Draft:
    values = {name: getattr(account, name) for name in KIND_FIELDS[account.kind] if name not in SECRETS}
    secrets: dict[str, str | None] = {}
    for name in SECRETS:
        if name in KIND_FIELDS[account.kind]:
            token = getattr(account, name + "_enc")
            secrets[name] = None if token is None else box.decrypt(token, table=TABLE, row_id=account.id, field=name)
    return Draft(account.kind, values, secrets)


def _refuse_problems(draft: Draft, given: set[str]) -> None:
    """Every problem of the draft at once: fields this kind does not use, fields it needs."""
    problems = [
        (name, f"not used by a {draft.kind} account: leave it out.")
        for name in sorted(given - {"name", "description", "kind", "project_ids"} - set(KIND_FIELDS[draft.kind]))
    ]
    present = draft.values | draft.secrets
    problems += [
        (name, f"required for a {draft.kind} account.") for name in REQUIRED[draft.kind] if not present.get(name)
    ]
    if draft.kind == "sftp":
        pw, key = draft.secrets.get("password"), draft.secrets.get("private_key")
        if pw and key:
            problems.append(("private_key", "give either password or private_key, not both."))
        elif not pw and not key:
            problems.append(("password", "give the login's password, or a private_key."))
    if problems:
        raise InvalidInput.many(problems)


def _spec(draft: Draft) -> StorageSpec:
    v, s = draft.values, draft.secrets
    if draft.kind == "local":
        return LocalSpec(directory=v["directory"])
    if draft.kind == "sftp":
        return SftpSpec(
            host=v["host"],
            port=v["port"],
            username=v["username"],
            directory=v["directory"],
            host_key=v["host_key"],
            password=s.get("password"),
            private_key=s.get("private_key"),
        )
    return S3Spec(
        endpoint=v["endpoint"],
        region=v["region"],
        bucket=v["bucket"],
        access_key=v["access_key"],
        path_style=bool(v["path_style"]),
        verify_tls=bool(v["verify_tls"]),
        secret_key=s.get("secret_key") or "",
    )


async def _prove(draft: Draft, timeout: float) -> None:
    try:
        await probe(_spec(draft), timeout)
    except StorageError as exc:
        raise InvalidInput(exc.detail, field=exc.field) from exc


def _apply(account: BackupAccount, draft: Draft, box: SecretBox) -> None:
    for name, value in draft.values.items():
        setattr(account, name, value)
    if draft.kind == "sftp":
        account.host_key_fingerprint = parse_host_key(draft.values["host_key"])[1]
    for name, plain in draft.secrets.items():
        token = None if plain is None else box.encrypt(plain, table=TABLE, row_id=account.id, field=name)
        setattr(account, name + "_enc", token)


def _plain(value: SecretStr | None) -> str | None:
    return None if value is None or not value.get_secret_value() else value.get_secret_value()


async def _refuse_duplicate(repo: BackupAccountRepository, name: str) -> None:
    if await repo.by_name(name) is not None:
        raise _duplicate(name)


def _duplicate(name: str) -> Conflict:
    return Conflict(f"A backup account named {name} already exists: choose another name.", field="name")
