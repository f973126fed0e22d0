"""Strategies in and out of the API, and the event payload (never an account's settings)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ko_backup.strategies import cron
from ko_backup.strategies.models import BackupStrategy


class StrategyPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: str = Field(
        min_length=1, max_length=36, description="A backup account shared with the cluster's project."
    )
    cron: str = Field(
        min_length=1,
        max_length=128,
        description=f"When to back up: a 5-field cron expression in UTC, e.g. {cron.EXAMPLE}.",
    )
    keep_count: int = Field(ge=1, le=1000, description="Keep the newest this many good backups; older ones go.")
    keep_days: int | None = Field(
        None, ge=1, le=3650, description="Also delete good backups older than this many days (never the last good one)."
    )
    enabled: bool = Field(True, description="A disabled strategy neither backs up nor deletes anything.")

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        value = " ".join(value.split())
        if (problem := cron.problem(value)) is not None:
            raise ValueError(problem)
        return value


class StrategyOut(BaseModel):
    cluster_id: str
    project_id: str
    account_id: str
    cron: str
    keep_count: int
    keep_days: int | None
    enabled: bool
    next_run_at: datetime | None = Field(description="The next scheduled backup (UTC); null while disabled.")
    last_run_at: datetime | None = Field(description="When the schedule last fired.")
    last_backup_id: str | None = Field(description="The backup the schedule last started.")
    last_error: str = Field(description="Why the last scheduled backup could not start; empty when it did.")
    updated_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, s: BackupStrategy) -> StrategyOut:
        return cls(
            cluster_id=s.cluster_id, project_id=s.project_id, account_id=s.account_id, cron=s.cron,
            keep_count=s.keep_count, keep_days=s.keep_days, enabled=s.enabled,
            next_run_at=s.next_run_at if s.enabled else None, last_run_at=s.last_run_at,
            last_backup_id=s.last_backup_id, last_error=s.last_error, updated_by=s.updated_by,
            created_at=s.created_at, updated_at=s.updated_at,
        )  # fmt: skip


class StrategyEvent(BaseModel):
    cluster_id: str
    project_id: str
    account_id: str
    cron: str
    keep_count: int
    keep_days: int | None
    enabled: bool
    next_run_at: datetime | None
    last_error: str

    @classmethod
    def of(cls, s: BackupStrategy) -> StrategyEvent:
        return cls(
            cluster_id=s.cluster_id, project_id=s.project_id, account_id=s.account_id, cron=s.cron,
            keep_count=s.keep_count, keep_days=s.keep_days, enabled=s.enabled,
            next_run_at=s.next_run_at if s.enabled else None, last_error=s.last_error,
        )  # fmt: skip
