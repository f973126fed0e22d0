"""Compliance runs out of the API, and the event payload (counts only: never an item's observed value)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ko_deployment.clusters.schemas import OperationRef
from ko_deployment.compliance.models import ComplianceRun

Status = Literal["pass", "fail", "warn", "skip"]
Kind = Literal["node-check", "sonobuoy"]
RunStatus = Literal["running", "succeeded", "failed"]


class ComplianceItem(BaseModel):
    id: str = Field(description="The CIS Kubernetes Benchmark id (node check), or the test's name (Sonobuoy).")
    title: str
    group: str = Field(description="control-plane, etcd or kubelet (node check); the Sonobuoy plugin's name.")
    node: str | None = Field(description="The node it was checked on (null: a cluster-wide Sonobuoy test).")
    status: Status
    observed: str = Field(description="What was found (a file mode, a flag's value), or a test's failure message.")
    remedy: str = Field(description="The command to run or the setting to change; empty when it passed.")

    def key(self) -> tuple[str, str, str]:
        return (self.group, self.id, self.node or "")


class Summary(BaseModel):
    # `pass` is a Python keyword: the field is pass_, named `pass` in JSON both ways.
    model_config = ConfigDict(serialize_by_alias=True, validate_by_name=True)

    pass_: int = Field(alias="pass")
    fail: int
    warn: int
    skip: int


class ComplianceRunOut(BaseModel):
    id: str
    cluster_id: str
    kind: Kind
    status: RunStatus = Field(description="running until a node check's operation ends; Sonobuoy runs: succeeded.")
    message: str = Field(description="Why a node check failed (its operation's reason).")
    operation_id: str | None = Field(description="The compliance-check operation (node check only).")
    started_at: datetime | None
    ended_at: datetime | None
    summary: Summary
    created_by: str
    created_at: datetime

    @classmethod
    def of(cls, run: ComplianceRun) -> ComplianceRunOut:
        return cls(
            id=run.id, cluster_id=run.cluster_id, kind=run.kind, status=run.status,  # type: ignore[arg-type]
            message=run.message, operation_id=run.operation_id, started_at=run.started_at, ended_at=run.ended_at,
            summary=Summary(pass_=run.passed, fail=run.failed, warn=run.warned, skip=run.skipped),
            created_by=run.created_by, created_at=run.created_at,
        )  # fmt: skip


class ComplianceRunStarted(ComplianceRunOut):
    operation: OperationRef = Field(description="The compliance-check operation: follow it for progress.")


class ItemChange(BaseModel):
    id: str
    title: str
    group: str
    node: str | None
    before: Status | None = Field(description="Its status in the previous run (null: not in it).")
    after: Status | None = Field(description="Its status in this run (null: not in it any more).")


class ComplianceRunDetail(ComplianceRunOut):
    items: list[ComplianceItem]
    previous_run_id: str | None = Field(description="The previous finished run of the same kind on this cluster.")
    compared_with_previous: list[ItemChange] = Field(
        description="Items whose status changed since the previous run of the same kind (empty without one)."
    )
    has_junit: bool = Field(description="A JUnit file can be downloaded (Sonobuoy runs with one).")


class ComplianceCompleted(BaseModel):
    """A compliance run finished (counts only, never an item's observed value)."""

    run_id: str
    cluster_id: str
    project_id: str
    kind: Kind
    status: RunStatus
    summary: Summary
