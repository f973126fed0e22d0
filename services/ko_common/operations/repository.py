"""All SQL of operations, on whichever service's tables it is given.

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
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.operations.models import ACTIVE, OperationTables
from ko_common.repository import Repository


class OperationRepository(Repository[Any]):
    """Every statement on one service's operation tables (`tables`)."""

    def __init__(self, session: AsyncSession, tables: OperationTables) -> None:
        super().__init__(session)
        self.model = tables.operation
        self.tables = tables
        self.O = tables.operation
        self.E = tables.event

    async def active_for_cluster(self, cluster_id: str) -> Any:
        stmt = select(self.O).where(self.O.cluster_id == cluster_id, self.O.status.in_(ACTIVE))
        return await self.one_or_none(stmt)

    async def search(
        self,
        projects: set[str] | None,
        cluster_id: str | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Any], int]:
        stmt = select(self.O).order_by(self.O.created_at.desc(), self.O.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(self.O.project_id.in_(sorted(projects)))
        if cluster_id:
            stmt = stmt.where(self.O.cluster_id == cluster_id)
        if status:
            stmt = stmt.where(self.O.status == status)
        return await self.paginate(stmt, limit, offset)

    async def claim(self, operation_id: str, worker: str, now: datetime, stale_before: datetime) -> bool:
        """Mark the operation running on `worker` if it may start: active, no cancel asked, and not
        running on another worker whose heartbeat is newer than `stale_before`."""
        stmt = (
            update(self.O)
            .where(
                self.O.id == operation_id,
                self.O.status.in_(ACTIVE),
                self.O.cancel_requested.is_(False),
                or_(
                    self.O.status == "queued",
                    self.O.worker == worker,
                    self.O.heartbeat_at.is_(None),
                    self.O.heartbeat_at <= stale_before,
                ),
            )
            .values(
                status="running",
                attempts=self.O.attempts + 1,
                worker=worker,
                started_at=func.coalesce(self.O.started_at, now),
                heartbeat_at=now,
            )
        )
        return await self._changed(stmt)

    async def cancel_queued(self, operation_id: str, now: datetime) -> bool:
        """End a queued operation as cancelled, unless a worker has claimed it meanwhile."""
        stmt = (
            update(self.O)
            .where(self.O.id == operation_id, self.O.status == "queued")
            .values(status="cancelled", cancel_requested=True, ended_at=now)
        )
        return await self._changed(stmt)

    async def request_cancel(self, operation_id: str) -> bool:
        """Ask the worker running it to stop (it polls the mark, and checks it before each phase)."""
        stmt = update(self.O).where(self.O.id == operation_id, self.O.status.in_(ACTIVE)).values(cancel_requested=True)
        return await self._changed(stmt)

    async def end_cancelled(self, operation_id: str, now: datetime) -> bool:
        """End an operation whose cancel was asked while no worker ran it (it was handed back)."""
        stmt = (
            update(self.O)
            .where(self.O.id == operation_id, self.O.status.in_(ACTIVE), self.O.cancel_requested.is_(True))
            .values(status="cancelled", ended_at=now)
        )
        return await self._changed(stmt)

    async def requeue(self, operation_id: str) -> bool:
        """Queue an ended operation again (retry), unless it is not failed or cancelled any more."""
        stmt = (
            update(self.O)
            .where(self.O.id == operation_id, self.O.status.in_(("failed", "cancelled")))
            .values(status="queued", failure=None, cancel_requested=False, ended_at=None)
        )
        return await self._changed(stmt)

    async def phase(self, operation_id: str, position: int) -> Any:
        P = self.tables.phase
        stmt = select(P).where(P.operation_id == operation_id, P.position == position)
        return (await self.session.execute(stmt)).scalars().one_or_none()

    async def cancel_asked(self, operation_id: str) -> bool:
        """A cheap read before each phase: has a cancel been asked (or has the operation ended)?"""
        stmt = select(self.O.cancel_requested, self.O.status).where(self.O.id == operation_id)
        row = (await self.session.execute(stmt)).one_or_none()
        return row is None or bool(row.cancel_requested) or row.status not in ACTIVE

    async def _changed(self, stmt: Any) -> bool:
        # The caller refreshes what it holds: the ORM is not asked to guess the new values.
        result = await self.session.execute(stmt.execution_options(synchronize_session=False))
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def unfinished(self) -> Sequence[Any]:
        return await self.all(select(self.O).where(self.O.status.in_(ACTIVE)))

    async def events(self, operation_id: str, after: int, limit: int) -> Sequence[Any]:
        stmt = (
            select(self.E)
            .where(self.E.operation_id == operation_id, self.E.counter > after)
            .order_by(self.E.counter)
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def store_events(self, operation_id: str, rows: list[dict[str, object]], last: int) -> None:
        await self.session.execute(insert(self.E), rows)
        await self.session.execute(update(self.O).where(self.O.id == operation_id).values(last_counter=last))

    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(self.O).where(self.O.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def flush(self) -> None:
        await self.session.flush()
