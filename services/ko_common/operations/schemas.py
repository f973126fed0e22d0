"""Operations in and out of the API, their task events, and the event payloads: one shape for every service."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

OperationStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]
PhaseStatus = Literal["pending", "running", "succeeded", "failed", "cancelled"]


class Failure(BaseModel):
    """Why an operation failed, as a person can act on it."""

    message: str = Field(description="One sentence: phase, host, task and what went wrong.")
    phase: str
    host: str | None = None
    task: str | None = None
    excerpt: str = Field("", description="The failing task's output (bounded).")
    hint: str | None = Field(None, description="What usually causes this and what to do, when the cause is known.")


class PhaseOut(BaseModel):
    position: int
    name: str
    executor: str = Field("ansible", description="What runs the phase: ansible, terraform or python.")
    status: PhaseStatus
    runs: int = Field(description="How many times the phase was started (resumes and retries count).")
    started_at: datetime | None
    ended_at: datetime | None
    message: str


class OperationOut(BaseModel):
    id: str
    project_id: str
    cluster_id: str
    kind: str
    status: OperationStatus
    created_by: str
    cancel_requested: bool
    attempts: int
    started_at: datetime | None
    ended_at: datetime | None
    heartbeat_at: datetime | None
    last_counter: int = Field(description="Counter of the newest stored event; read events with ?after=.")
    failure: Failure | None
    phases: list[PhaseOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, op: Any) -> OperationOut:
        return cls(
            id=op.id,
            project_id=op.project_id,
            cluster_id=op.cluster_id,
            kind=op.kind,
            status=op.status,  # type: ignore[arg-type]
            created_by=op.created_by,
            cancel_requested=op.cancel_requested,
            attempts=op.attempts,
            started_at=op.started_at,
            ended_at=op.ended_at,
            heartbeat_at=op.heartbeat_at,
            last_counter=op.last_counter,
            failure=Failure.model_validate(op.failure) if op.failure else None,
            phases=[
                PhaseOut(
                    position=p.position,
                    name=p.name,
                    executor=p.executor,
                    status=p.status,  # type: ignore[arg-type]
                    runs=p.runs,
                    started_at=p.started_at,
                    ended_at=p.ended_at,
                    message=p.message,
                )
                for p in op.phases
            ],
            created_at=op.created_at,
            updated_at=op.updated_at,
        )


class OperationEventOut(BaseModel):
    """One event of an operation; `counter` increases by one per event, across phases and resumes."""

    operation_id: str
    counter: int
    phase: str
    kind: str = Field(
        description="phase_start | phase_end | play_start | task_start | task_result | item_result | stats | "
        "retry | warning | error | output | end (the last event of the operation)"
    )
    status: str = Field(description="running | ok | changed | failed | unreachable | skipped | done | warning, "
                        "or for phase_end / end the phase's or operation's status")  # fmt: skip
    host: str | None
    task: str | None
    changed: bool
    duration_ms: int | None
    excerpt: str
    time: datetime

    @classmethod
    def of(cls, e: Any) -> OperationEventOut:
        return cls(
            operation_id=e.operation_id,
            counter=e.counter,
            phase=e.phase,
            kind=e.kind,
            status=e.status,
            host=e.host,
            task=e.task,
            changed=e.changed,
            duration_ms=e.duration_ms,
            excerpt=e.excerpt,
            time=e.time,
        )


class EventPage(BaseModel):
    items: list[OperationEventOut]
    last_counter: int = Field(description="The newest counter stored; ask again with after=<this> for more.")
    done: bool = Field(description="The operation has ended and every one of its events is in `items` or before.")


class OperationSummary(BaseModel):
    """An operation as domain events describe it."""

    id: str
    project_id: str
    cluster_id: str
    kind: str
    status: OperationStatus
    attempts: int
    failure: Failure | None = None
    phases: list[dict[str, Any]] = Field(default_factory=list, description="[{name, status}] in order.")

    @classmethod
    def of(cls, op: Any) -> OperationSummary:
        return cls(
            id=op.id,
            project_id=op.project_id,
            cluster_id=op.cluster_id,
            kind=op.kind,
            status=op.status,  # type: ignore[arg-type]
            attempts=op.attempts,
            failure=Failure.model_validate(op.failure) if op.failure else None,
            phases=[{"name": p.name, "status": p.status} for p in op.phases],
        )


class JobRequest(BaseModel):
    """A request to a service's workers: run (or resume) this operation."""

    operation_id: str
