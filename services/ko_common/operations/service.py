"""Operations of one service: creation (queued as a job in the same transaction), reading, retry and cancel.

The work itself is the worker's (worker.py). An operation is created for a registered kind (kinds.py):
its preflight checks run first, its phases are computed and stored with it; at most one operation per
cluster is queued or running at a time — the database enforces it with a partial unique index.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import database_identity, new_id, utcnow
from ko_common.errors import Conflict, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_common.operations.channels import OperationChannels
from ko_common.operations.kinds import KindRegistry, KindRequest, PhaseDef
from ko_common.operations.models import ACTIVE, OperationTables
from ko_common.operations.repository import OperationRepository
from ko_common.operations.schemas import JobRequest, OperationSummary

log = logging.getLogger(__name__)


@dataclass
class OperationService:
    tables: OperationTables
    channels: OperationChannels
    kinds: KindRegistry

    def repo(self, session: AsyncSession) -> OperationRepository:
        return OperationRepository(session, self.tables)

    async def create(
        self,
        session: AsyncSession,
        *,
        project_id: str,
        cluster_id: str,
        kind: str,
        spec: dict[str, Any],
        created_by: str,
        phases: Sequence[PhaseDef] | None = None,
        requested_by: str | None = None,
        operation_id: str | None = None,
    ) -> Any:
        """Create an operation and queue its job, in the caller's transaction; 409 if the cluster is busy.

        `phases` defaults to the registered kind's; a kind that is registered also runs its preflight.
        """
        request = KindRequest(project_id, cluster_id, kind, spec, created_by, requested_by)
        if kind in self.kinds:
            registered = self.kinds.get(kind)
            for check in registered.preflight:
                await check(session, request)
            if registered.expand is not None:
                spec = await registered.expand(session, request)
                request = replace(request, spec=spec)
            if phases is None:
                phases = registered.phases(request)
        elif phases is None:
            self.kinds.get(kind)  # raises: unknown kind
        assert phases is not None
        if not phases:
            raise InvalidInput("An operation needs at least one phase.", field="phases")
        for phase in phases:
            if phase.target.startswith("/") or ".." in phase.target.split("/"):
                raise InvalidInput(f"Phase {phase.name}: give a path inside the service's content.", field="phases")
        repo = self.repo(session)
        busy = await repo.active_for_cluster(cluster_id)
        if busy is not None:
            raise _busy(busy)
        op = self.tables.operation(
            id=operation_id or new_id(),
            project_id=project_id,
            cluster_id=cluster_id,
            kind=kind,
            status="queued",
            created_by=created_by,
            spec=spec,
            phases=[
                self.tables.phase(position=i, name=p.name, executor=p.executor, target=p.target)
                for i, p in enumerate(phases)
            ],
        )
        try:
            async with session.begin_nested():
                await repo.add(op)
        except IntegrityError as exc:  # another operation was queued for this cluster meanwhile
            busy = await repo.active_for_cluster(cluster_id)
            raise _busy(busy) from exc
        await self._queue(session, op)
        log.info("operation queued", extra=log_fields(operation_id=op.id, cluster_id=cluster_id, kind=kind))
        return op

    async def list(
        self,
        session: AsyncSession,
        identity: Identity,
        project_id: str | None,
        cluster_id: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Any], int]:
        projects = identity.readable_projects()
        if project_id is not None:
            identity.require_read(project_id)
            projects = {project_id}
        return await self.repo(session).search(projects, cluster_id, status, limit, offset)

    async def get(self, session: AsyncSession, identity: Identity, operation_id: str, *, write: bool = False) -> Any:
        op = await self.repo(session).get(operation_id)
        if op is None or not identity.can_read(op.project_id):
            raise NotFound(f"No operation {operation_id}.")
        if write:
            identity.require_write(op.project_id)
        return op

    async def read_events(
        self, session: AsyncSession, identity: Identity, operation_id: str, after: int, limit: int
    ) -> tuple[Any, Sequence[Any]]:
        op = await self.get(session, identity, operation_id)
        return op, await self.repo(session).events(operation_id, after, limit)

    async def retry(self, session: AsyncSession, identity: Identity, operation_id: str) -> Any:
        """Queue a failed or cancelled operation again: it resumes at the first phase not succeeded."""
        op = await self.get(session, identity, operation_id, write=True)
        if op.status not in ("failed", "cancelled"):
            raise Conflict(f"Operation {op.id} is {op.status}: only a failed or cancelled one can be retried.")
        repo = self.repo(session)
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
        await self._queue(session, op)
        log.info("operation retried", extra=log_fields(operation_id=op.id))
        return op

    async def cancel(self, session: AsyncSession, identity: Identity, operation_id: str) -> Any:
        """Ask a running operation to stop (its phase stops within seconds); a queued one ends now.

        Ending a queued one and a worker claiming it are both one conditional UPDATE (repository):
        either the cancel wins and no worker starts it, or the worker's claim wins and the cancel
        becomes a request that the worker sees before its next phase, or within seconds of a phase.
        """
        op = await self.get(session, identity, operation_id, write=True)
        if op.status not in ACTIVE:
            raise Conflict(f"Operation {op.id} is {op.status}: there is nothing to cancel.")
        repo = self.repo(session)
        if op.status == "queued" and await repo.cancel_queued(op.id, utcnow()):
            await session.refresh(op)
            for phase in op.phases:
                if phase.status == "pending":
                    phase.status = "cancelled"
            await repo.flush()
            await emit(session, self.channels.cancelled, OperationSummary.of(op), subject_id=op.id,
                       project_id=op.project_id)  # fmt: skip
            await self.kinds.changed(session, op, None)
        elif await repo.request_cancel(op.id):
            await session.refresh(op)
        else:  # it ended between the read and the update
            await session.refresh(op)
            raise Conflict(f"Operation {op.id} is {op.status}: there is nothing to cancel.")
        log.info("operation cancel requested", extra=log_fields(operation_id=op.id, status=op.status))
        return op

    async def _queue(self, session: AsyncSession, op: Any) -> None:
        await emit(session, self.channels.queued, OperationSummary.of(op), subject_id=op.id, project_id=op.project_id)
        await emit(
            session,
            self.channels.job,
            JobRequest(operation_id=op.id),
            subject_id=op.id,
            project_id=op.project_id,
            subject_token=jobs_token(session),
        )


def jobs_token(session: AsyncSession) -> str:
    """The job subject's token for this service's database (see ko_common.db.database_identity)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    return database_identity(engine.url.render_as_string(hide_password=False))


def _busy(busy: Any) -> Conflict:
    if busy is None:
        return Conflict("The cluster is busy with another operation: wait for it to end, or cancel it.")
    return Conflict(
        f"The cluster is busy with operation {busy.id} ({busy.kind}, {busy.status}): wait for it to end, or cancel it.",
        field="cluster_id",
    )
