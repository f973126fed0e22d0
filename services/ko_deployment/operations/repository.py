"""All SQL of operations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select, update

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
