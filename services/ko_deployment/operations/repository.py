"""All SQL of operations.

Who starts or ends an operation is decided by conditional UPDATEs (`claim`, `cancel_queued`,
`request_cancel`, `end_cancelled`), each checking its row count: the condition is evaluated on the
row as committed, under its write lock (SQLite's database lock, PostgreSQL's row lock, re-checked
after a wait), so of a worker starting a queued operation and a user cancelling it exactly one wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update

from ko_common.repository import Repository
from ko_deployment.operations.models import ACTIVE, Operation, OperationEvent


class OperationRepository(Repository[Operation]):
    model = Operation

    async def active_for_cluster(self, cluster_id: str) -> Operation | None:
        stmt = select(Operation).where(Operation.cluster_id == cluster_id, Operation.status.in_(ACTIVE))
        return await self.one_or_none(stmt)

    async def search(
        self,
        projects: set[str] | None,
        cluster_id: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Operation], int]:
        stmt = select(Operation).order_by(Operation.created_at.desc(), Operation.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(Operation.project_id.in_(sorted(projects)))
        if cluster_id:
            stmt = stmt.where(Operation.cluster_id == cluster_id)
        if status:
            stmt = stmt.where(Operation.status == status)
        return await self.paginate(stmt, limit, offset)

    async def claim(self, operation_id: str, worker: str, now: datetime, stale_before: datetime) -> bool:
        """Mark the operation running on `worker` if it may start: active, no cancel asked, and not
        running on another worker whose heartbeat is newer than `stale_before`."""
        stmt = (
            update(Operation)
            .where(
                Operation.id == operation_id,
                Operation.status.in_(ACTIVE),
                Operation.cancel_requested.is_(False),
                or_(
                    Operation.status == "queued",
                    Operation.worker == worker,
                    Operation.heartbeat_at.is_(None),
                    Operation.heartbeat_at <= stale_before,
                ),
            )
            .values(
                status="running",
                attempts=Operation.attempts + 1,
                worker=worker,
                started_at=func.coalesce(Operation.started_at, now),
                heartbeat_at=now,
            )
        )
        return await self._changed(stmt)

    async def cancel_queued(self, operation_id: str, now: datetime) -> bool:
        """End a queued operation as cancelled, unless a worker has claimed it meanwhile."""
        stmt = (
            update(Operation)
            .where(Operation.id == operation_id, Operation.status == "queued")
            .values(status="cancelled", cancel_requested=True, ended_at=now)
        )
        return await self._changed(stmt)

    async def request_cancel(self, operation_id: str) -> bool:
        """Ask the worker running it to stop (it polls the mark, and checks it before each phase)."""
        stmt = (
            update(Operation)
            .where(Operation.id == operation_id, Operation.status.in_(ACTIVE))
            .values(cancel_requested=True)
        )
        return await self._changed(stmt)

    async def end_cancelled(self, operation_id: str, now: datetime) -> bool:
        """End an operation whose cancel was asked while no worker ran it (it was handed back)."""
        stmt = (
            update(Operation)
            .where(Operation.id == operation_id, Operation.status.in_(ACTIVE), Operation.cancel_requested.is_(True))
            .values(status="cancelled", ended_at=now)
        )
        return await self._changed(stmt)

    async def requeue(self, operation_id: str) -> bool:
        """Queue an ended operation again (retry), unless it is not failed or cancelled any more."""
        stmt = (
            update(Operation)
            .where(Operation.id == operation_id, Operation.status.in_(("failed", "cancelled")))
            .values(status="queued", failure=None, cancel_requested=False, ended_at=None)
        )
        return await self._changed(stmt)

    async def cancel_asked(self, operation_id: str) -> bool:
        """A cheap read before each phase: has a cancel been asked (or has the operation ended)?"""
        stmt = select(Operation.cancel_requested, Operation.status).where(Operation.id == operation_id)
        row = (await self.session.execute(stmt)).one_or_none()
        return row is None or bool(row.cancel_requested) or row.status not in ACTIVE

    async def _changed(self, stmt: Any) -> bool:
        # The caller refreshes what it holds: the ORM is not asked to guess the new values.
        result = await self.session.execute(stmt.execution_options(synchronize_session=False))
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def unfinished(self) -> Sequence[Operation]:
        return await self.all(select(Operation).where(Operation.status.in_(ACTIVE)))

    async def events(self, operation_id: str, after: int, limit: int) -> Sequence[OperationEvent]:
        stmt = (
            select(OperationEvent)
            .where(OperationEvent.operation_id == operation_id, OperationEvent.counter > after)
            .order_by(OperationEvent.counter)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def store_events(self, operation_id: str, rows: list[dict[str, object]], last: int) -> None:
        await self.session.execute(insert(OperationEvent), rows)
        await self.session.execute(update(Operation).where(Operation.id == operation_id).values(last_counter=last))

    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(Operation).where(Operation.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def flush(self) -> None:
        await self.session.flush()
