"""The monitoring operations of a cluster (rows of the service's operations table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ko_deployment.operations.models import TABLES

KINDS = ("monitoring-install", "monitoring-uninstall")


class MonitoringRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last(self, cluster_id: str, *, succeeded: bool = False) -> Any:
        """The newest monitoring operation of the cluster (only those that succeeded when asked)."""
        op = TABLES.operation
        stmt = select(op).where(op.cluster_id == cluster_id, op.kind.in_(KINDS))
        if succeeded:
            stmt = stmt.where(op.status == "succeeded")
        stmt = stmt.order_by(op.created_at.desc(), op.id.desc()).limit(1)
        return (await self.session.execute(stmt)).scalars().first()
