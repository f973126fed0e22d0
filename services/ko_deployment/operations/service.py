"""Operations: creation (queued as a job in the same transaction), reading, retry and cancel.

The work itself is the worker's (worker.py). An operation is created by the domain that needs it
(cluster deploy, scale, upgrade, reset) with its ordered phases; at most one operation per cluster
is queued or running at a time — the database enforces it with a partial unique index.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import database_identity, new_id, utcnow
from ko_common.errors import Conflict, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_deployment.operations import events
from ko_deployment.operations.models import ACTIVE, Operation, OperationEvent, OperationPhase
from ko_deployment.operations.repository import OperationRepository
from ko_deployment.operations.schemas import JobRequest, OperationSummary

log = logging.getLogger(__name__)

# Told when an operation ends outside a worker (a queued one cancelled): the same hooks the worker
# calls, registered by the app (cluster status). (session, operation, artifacts directory or None).
HOOKS: list[Callable[[AsyncSession, Operation, Path | None], Awaitable[None]]] = []


@dataclass(frozen=True)
class PhaseSpec:
    name: str
    playbook: str  # relative to the playbooks directory


async def create(
    session: AsyncSession,
    *,
    project_id: str,
    cluster_id: str,
    kind: str,
    phases: Sequence[PhaseSpec],
    spec: dict[str, Any],
    created_by: str,
) -> Operation:
    """Create an operation and queue its job, in the caller's transaction; 409 if the cluster is busy."""
    if not phases:
        raise InvalidInput("An operation needs at least one phase.", field="phases")
    for phase in phases:
        if phase.playbook.startswith("/") or ".." in phase.playbook.split("/"):
            raise InvalidInput(
                f"Playbook {phase.playbook}: give a path inside the playbooks directory.", field="phases"
            )
    repo = OperationRepository(session)
    busy = await repo.active_for_cluster(cluster_id)
    if busy is not None:
        raise _busy(busy)
    op = Operation(
        id=new_id(),
        project_id=project_id,
        cluster_id=cluster_id,
        kind=kind,
        status="queued",
        created_by=created_by,
        spec=spec,
        phases=[OperationPhase(position=i, name=p.name, playbook=p.playbook) for i, p in enumerate(phases)],
    )
    try:
        async with session.begin_nested():
            await repo.add(op)
    except IntegrityError as exc:  # another operation was queued for this cluster meanwhile
        busy = await repo.active_for_cluster(cluster_id)
        raise _busy(busy) from exc
    await _queue(session, op)
    log.info("operation queued", extra=log_fields(operation_id=op.id, cluster_id=cluster_id, kind=kind))
    return op


async def list_operations(
    session: AsyncSession,
    identity: Identity,
    project_id: str | None,
    cluster_id: str | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Operation], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    return await OperationRepository(session).search(projects, cluster_id, status, limit, offset)


async def get(session: AsyncSession, identity: Identity, operation_id: str, *, write: bool = False) -> Operation:
    op = await OperationRepository(session).get(operation_id)
    if op is None or not identity.can_read(op.project_id):
        raise NotFound(f"No operation {operation_id}.")
    if write:
        identity.require_write(op.project_id)
    return op


async def read_events(
    session: AsyncSession, identity: Identity, operation_id: str, after: int, limit: int
) -> tuple[Operation, Sequence[OperationEvent]]:
    op = await get(session, identity, operation_id)
    return op, await OperationRepository(session).events(operation_id, after, limit)


async def retry(session: AsyncSession, identity: Identity, operation_id: str) -> Operation:
    """Queue a failed or cancelled operation again: it resumes at the first phase not succeeded."""
    op = await get(session, identity, operation_id, write=True)
    if op.status not in ("failed", "cancelled"):
        raise Conflict(f"Operation {op.id} is {op.status}: only a failed or cancelled one can be retried.")
    repo = OperationRepository(session)
    busy = await repo.active_for_cluster(op.cluster_id)
    if busy is not None:
        raise _busy(busy)
    try:
        async with session.begin_nested():
            # Conditional, like cancel and the worker's claim: of two retries at once, one queues it.
            requeued = await repo.requeue(op.id)
    except IntegrityError as exc:
        raise _busy(await repo.active_for_cluster(op.cluster_id)) from exc
    await session.refresh(op)
    if not requeued:
        raise Conflict(f"Operation {op.id} is {op.status}: only a failed or cancelled one can be retried.")
    for phase in op.phases:
        if phase.status != "succeeded":
            phase.status, phase.message = "pending", ""
    await repo.flush()
    await _queue(session, op)
    log.info("operation retried", extra=log_fields(operation_id=op.id))
    return op


async def cancel(session: AsyncSession, identity: Identity, operation_id: str) -> Operation:
    """Ask a running operation to stop (the worker stops the playbook within seconds); a queued one ends now.

    Ending a queued one and a worker claiming it are both one conditional UPDATE (repository):
    either the cancel wins and no worker starts it, or the worker's claim wins and the cancel
    becomes a request that the worker sees before its next phase, or within seconds of a phase.
    """
    op = await get(session, identity, operation_id, write=True)
    if op.status not in ACTIVE:
        raise Conflict(f"Operation {op.id} is {op.status}: there is nothing to cancel.")
    repo = OperationRepository(session)
    if op.status == "queued" and await repo.cancel_queued(op.id, utcnow()):
        await session.refresh(op)
        for phase in op.phases:
            if phase.status == "pending":
                phase.status = "cancelled"
        await repo.flush()
        await emit(session, events.CANCELLED, OperationSummary.of(op), subject_id=op.id, project_id=op.project_id)
        for hook in HOOKS:
            await hook(session, op, None)
    elif await repo.request_cancel(op.id):
        await session.refresh(op)
    else:  # it ended between the read and the update
        await session.refresh(op)
        raise Conflict(f"Operation {op.id} is {op.status}: there is nothing to cancel.")
    log.info("operation cancel requested", extra=log_fields(operation_id=op.id, status=op.status))
    return op


async def _queue(session: AsyncSession, op: Operation) -> None:
    await emit(session, events.QUEUED, OperationSummary.of(op), subject_id=op.id, project_id=op.project_id)
    await emit(
        session,
        events.JOB,
        JobRequest(operation_id=op.id),
        subject_id=op.id,
        project_id=op.project_id,
        subject_token=jobs_token(session),
    )


def jobs_token(session: AsyncSession) -> str:
    """The job subject's token for this deployment database (see ko_common.db.database_identity)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return database_identity(engine.url.render_as_string(hide_password=False))


def _busy(busy: Operation | None) -> Conflict:
    if busy is None:
        return Conflict("The cluster is busy with another operation: wait for it to end, or cancel it.")
    return Conflict(
        f"The cluster is busy with operation {busy.id} ({busy.kind}, {busy.status}): wait for it to end, or cancel it.",
        field="cluster_id",
    )
