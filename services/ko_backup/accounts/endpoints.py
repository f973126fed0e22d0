"""HTTP routes of the backup accounts domain, under /api/v1/backup-accounts (forwarded by the gateway).

Admins create, change, test and delete accounts; a project member lists and reads the accounts shared
with their projects. No answer carries a secret.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from ko_backup.accounts import service
from ko_backup.accounts.schemas import (
    AccountTestResult,
    BackupAccountCreate,
    BackupAccountOut,
    BackupAccountUpdate,
    Kind,
)
from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page

router = APIRouter(prefix="/api/v1/backup-accounts", tags=["backup-accounts"])


def _timeout(request: Request) -> float:
    return float(getattr(request.app.state.settings, "storage_timeout_seconds", 10.0))


Timeout = Annotated[float, Depends(_timeout)]


@router.get(
    "",
    operation_id="listBackupAccounts",
    summary="List backup accounts: every one for an admin, those shared with the caller's projects otherwise",
    openapi_extra=permission("project:read"),
)
async def list_backup_accounts(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64, description="Only those shared with this project.")] = None,
    kind: Kind | None = None,
    q: Annotated[str | None, Query(max_length=64, description="Part of the name or description.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[BackupAccountOut]:
    items, total = await service.list_accounts(session, identity, project_id, kind, q, limit, offset)
    return Page[BackupAccountOut](
        items=[BackupAccountOut.of(a, shared) for a, shared in items], total=total, limit=limit, offset=offset
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createBackupAccount",
    summary="Create a backup account once a probe object was written, read back and deleted; secrets stored encrypted",
    openapi_extra=permission("admin"),
)
async def create_backup_account(
    session: SessionDep, identity: CurrentIdentity, body: BackupAccountCreate, timeout: Timeout
) -> BackupAccountOut:
    return BackupAccountOut.of(*await service.create(session, identity, body, timeout))


@router.get(
    "/{account_id}",
    operation_id="getBackupAccount",
    summary="Get a backup account (never its secrets)",
    openapi_extra=permission("project:read"),
)
async def get_backup_account(session: SessionDep, identity: CurrentIdentity, account_id: str) -> BackupAccountOut:
    return BackupAccountOut.of(*await service.get(session, identity, account_id))


@router.patch(
    "/{account_id}",
    operation_id="updateBackupAccount",
    summary="Change a backup account; secrets left out keep their values; a storage change is tested first",
    openapi_extra=permission("admin"),
)
async def update_backup_account(
    session: SessionDep, identity: CurrentIdentity, account_id: str, body: BackupAccountUpdate, timeout: Timeout
) -> BackupAccountOut:
    return BackupAccountOut.of(*await service.update(session, identity, account_id, body, timeout))


@router.delete(
    "/{account_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteBackupAccount",
    summary="Delete a backup account (the backups stored there are left in place)",
    openapi_extra=permission("admin"),
)
async def delete_backup_account(session: SessionDep, identity: CurrentIdentity, account_id: str) -> Response:
    await service.delete(session, identity, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{account_id}/test",
    operation_id="testBackupAccount",
    summary="Write, read back and delete a probe object; 422 naming the field to fix when that fails",
    openapi_extra=permission("admin"),
)
async def test_backup_account(
    session: SessionDep, identity: CurrentIdentity, account_id: str, timeout: Timeout
) -> AccountTestResult:
    return await service.test(session, identity, account_id, timeout)
