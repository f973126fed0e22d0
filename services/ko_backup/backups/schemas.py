"""Backups and restores in and out of the API, the etcd member's receipt, and the event payloads."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ko_backup.backups.models import Backup, Restore

_SHA256 = re.compile(r"[0-9a-f]{64}")


class BackupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(
        min_length=1, max_length=36, description="A backup account shared with the cluster's project."
    )


class BackupOut(BaseModel):
    id: str
    project_id: str
    cluster_id: str
    cluster_name: str
    account_id: str
    trigger: Literal["manual", "schedule"]
    status: Literal["running", "good", "failed", "deleted"] = Field(
        description="good: the snapshot and PKI are complete in the account and the checksum matched; only good "
        "backups can be restored."
    )
    message: str
    operation_id: str | None = Field(description="The deployment operation that takes and delivers the snapshot.")
    created_by: str
    size: int | None = Field(description="Bytes of the etcd snapshot.")
    sha256: str | None
    revision: int | None = Field(description="etcd revision of the snapshot.")
    total_keys: int | None
    etcd_hash: int | None
    member: str | None = Field(description="The etcd member (master) that took it.")
    kubernetes_version: str | None
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, b: Backup) -> BackupOut:
        return cls(
            id=b.id, project_id=b.project_id, cluster_id=b.cluster_id, cluster_name=b.cluster_name,
            account_id=b.account_id, trigger=b.trigger, status=b.status, message=b.message,  # type: ignore[arg-type]
            operation_id=b.operation_id, created_by=b.created_by, size=b.size, sha256=b.sha256, revision=b.revision,
            total_keys=b.total_keys, etcd_hash=b.etcd_hash, member=b.member, kubernetes_version=b.kubernetes_version,
            created_at=b.created_at, completed_at=b.completed_at,
        )  # fmt: skip


class RestoreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backup_id: str = Field(min_length=1, max_length=36, description="A good backup of this cluster.")
    confirm: str = Field(
        min_length=1, max_length=64, description="The cluster's name, typed again: a restore replaces all its data."
    )


class RestoreOut(BaseModel):
    id: str
    project_id: str
    cluster_id: str
    backup_id: str
    status: Literal["running", "succeeded", "failed", "cancelled"]
    message: str
    operation_id: str | None
    created_by: str
    created_at: datetime
    completed_at: datetime | None

    @classmethod
    def of(cls, r: Restore) -> RestoreOut:
        return cls(
            id=r.id, project_id=r.project_id, cluster_id=r.cluster_id, backup_id=r.backup_id,
            status=r.status, message=r.message, operation_id=r.operation_id,  # type: ignore[arg-type]
            created_by=r.created_by, created_at=r.created_at, completed_at=r.completed_at,
        )  # fmt: skip


class Receipt(BaseModel):
    """What the etcd member reported of its snapshot (`etcdctl snapshot status`, sha256sum): internal only."""

    model_config = ConfigDict(extra="forbid")

    sha256: str
    size: int = Field(ge=1)
    revision: int = Field(ge=0)
    total_keys: int = Field(ge=0)
    hash: int = Field(ge=0)
    member: str = Field(min_length=1, max_length=64)
    kubernetes_version: str = Field(min_length=1, max_length=32)

    @field_validator("sha256")
    @classmethod
    def _hex(cls, value: str) -> str:
        if not _SHA256.fullmatch(value):
            raise ValueError("sha256 must be 64 lowercase hex digits")
        return value


class BackupEvent(BaseModel):
    """A backup's state; never a secret or an account's settings."""

    id: str
    project_id: str
    cluster_id: str
    account_id: str
    trigger: str
    status: str
    message: str
    operation_id: str | None
    size: int | None
    sha256: str | None
    revision: int | None
    kubernetes_version: str | None

    @classmethod
    def of(cls, b: Backup) -> BackupEvent:
        return cls(
            id=b.id, project_id=b.project_id, cluster_id=b.cluster_id, account_id=b.account_id, trigger=b.trigger,
            status=b.status, message=b.message, operation_id=b.operation_id, size=b.size, sha256=b.sha256,
            revision=b.revision, kubernetes_version=b.kubernetes_version,
        )  # fmt: skip


class RestoreEvent(BaseModel):
    id: str
    project_id: str
    cluster_id: str
    backup_id: str
    status: str
    message: str
    operation_id: str | None

    @classmethod
    def of(cls, r: Restore) -> RestoreEvent:
        return cls(
            id=r.id, project_id=r.project_id, cluster_id=r.cluster_id, backup_id=r.backup_id, status=r.status,
            message=r.message, operation_id=r.operation_id,
        )  # fmt: skip
