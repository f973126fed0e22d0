"""All SQL of the health domain: the known clusters, their verdicts and the pollers' leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ko_common.repository import Repository
from ko_observability.health.models import POLLED, ClusterHealth

DELETED = "deleted"  # a tombstone, so a late event of a deleted cluster does not bring it back


def _claimable(now: datetime) -> ColumnElement[bool]:
    return (
        ClusterHealth.cluster_status.in_(POLLED)
        & (ClusterHealth.due_at <= now)
        & or_(ClusterHealth.lease_until.is_(None), ClusterHealth.lease_until < now)
    )


class HealthRepository(Repository[ClusterHealth]):
    model = ClusterHealth

    async def visible(self, cluster_id: str) -> ClusterHealth | None:
        row = await self.get(cluster_id)
        return None if row is None or row.cluster_status == DELETED else row

    async def search(
        self, projects: set[str] | None, state: str | None, limit: int, offset: int
    ) -> tuple[Sequence[ClusterHealth], int]:
        """Clusters of ``projects`` (None: every project), in one ``state`` if given, by name."""
        stmt = (
            select(ClusterHealth)
            .where(ClusterHealth.cluster_status != DELETED)
            .order_by(ClusterHealth.name, ClusterHealth.cluster_id)
        )
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(ClusterHealth.project_id.in_(sorted(projects)))
        if state:
            stmt = stmt.where(ClusterHealth.state == state)
        return await self.paginate(stmt, limit, offset)

    async def announce(self, cluster_id: str, project_id: str, name: str, status: str, at: datetime) -> ClusterHealth:
        """The cluster's row, created from its first event if new, locked for the caller's transaction.

        Insert-or-nothing first: two replicas applying the first events of one cluster at once must
        not fail (the inbox would take the failure for a duplicate and drop the event).
        """
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = dict(
            cluster_id=cluster_id, project_id=project_id, name=name, cluster_status=status, announced_at=at,
            state="unknown", reasons="[]", due_at=at,
        )  # fmt: skip
        await self.session.execute(insert(ClusterHealth).values(**values).on_conflict_do_nothing())
        stmt = select(ClusterHealth).where(ClusterHealth.cluster_id == cluster_id).with_for_update()
        row = await self.one_or_none(stmt.execution_options(populate_existing=True))
        assert row is not None
        return row

    async def due_ids(self, now: datetime, limit: int) -> list[str]:
        stmt = select(ClusterHealth.cluster_id).where(_claimable(now)).order_by(ClusterHealth.due_at).limit(limit)
        return list((await self.session.execute(stmt)).scalars().all())

    async def claim(self, ids: Sequence[str], now: datetime, until: datetime, poller: str, limit: int) -> list[str]:
        """Lease clusters of ``ids`` that are still claimable, up to ``limit``; the ids this poller now holds.

        The condition is re-evaluated by the UPDATE itself, so of two pollers that picked the same
        cluster only one changes the row (the other's UPDATE matches nothing).
        """
        held: list[str] = []
        for id_ in ids:
            if len(held) == limit:
                break
            stmt = (
                update(ClusterHealth)
                .where(ClusterHealth.cluster_id == id_, _claimable(now))
                .values(lease_until=until, leased_by=poller)
            )
            if (await self.session.execute(stmt)).rowcount == 1:  # type: ignore[attr-defined]
                held.append(id_)
        return held

    async def next_due(self) -> datetime | None:
        stmt = select(func.min(ClusterHealth.due_at)).where(ClusterHealth.cluster_status.in_(POLLED))
        value = (await self.session.execute(stmt)).scalar_one_or_none()
        if isinstance(value, str):  # SQLite's min() gives the stored text, in UTC
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    async def locked(self, cluster_id: str) -> ClusterHealth | None:
        stmt = select(ClusterHealth).where(ClusterHealth.cluster_id == cluster_id).with_for_update()
        return await self.one_or_none(stmt.execution_options(populate_existing=True))
