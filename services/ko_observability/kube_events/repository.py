"""All SQL of the Kubernetes-events domain: the events, each cluster's watch position, and the watchers'
leases (claimed by conditional statements that one watcher alone can win)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ko_common.repository import Repository
from ko_observability.health.models import POLLED, ClusterHealth
from ko_observability.kube_events.models import KubeEvent, KubeEventWatch


@dataclass(frozen=True)
class Search:
    cluster_id: str | None = None
    project_id: str | None = None
    namespace: str | None = None
    kind: str | None = None
    reason: str | None = None
    type: str | None = None
    q: str | None = None
    limit: int = 100
    offset: int = 0


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(KubeEventWatch.lease_until.is_(None), KubeEventWatch.lease_until < now)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class KubeEventRepository(Repository[KubeEvent]):
    model = KubeEvent

    async def by_uid(self, cluster_id: str, uids: Sequence[str]) -> dict[str, KubeEvent]:
        rows = await self.all(select(KubeEvent).where(KubeEvent.cluster_id == cluster_id, KubeEvent.uid.in_(uids)))
        return {row.uid: row for row in rows}

    async def search(self, projects: set[str] | None, s: Search) -> tuple[Sequence[KubeEvent], int]:
        """Newest first (last seen), of ``projects`` (None: every project)."""
        stmt = select(KubeEvent).order_by(KubeEvent.last_seen.desc(), KubeEvent.id.desc())
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(KubeEvent.project_id.in_(sorted(projects)))
        equal = {
            KubeEvent.cluster_id: s.cluster_id,
            KubeEvent.namespace: s.namespace,
            KubeEvent.kind: s.kind,
            KubeEvent.reason: s.reason,
            KubeEvent.type: s.type,
        }
        stmt = stmt.where(*(column == value for column, value in equal.items() if value is not None))
        if s.q:
            pattern = _like(s.q.lower())
            message, name = func.lower(KubeEvent.message), func.lower(KubeEvent.name)
            stmt = stmt.where(or_(message.like(pattern, escape="\\"), name.like(pattern, escape="\\")))
        return await self.paginate(stmt, s.limit, s.offset)

    async def prune(self, cluster_id: str, older_than: datetime, keep: int) -> int:
        """Delete the cluster's events last seen before ``older_than`` and all but its ``keep`` newest."""
        gone = await self.session.execute(
            delete(KubeEvent).where(KubeEvent.cluster_id == cluster_id, KubeEvent.last_seen < older_than)
        )
        excess = (
            select(KubeEvent.id)
            .where(KubeEvent.cluster_id == cluster_id)
            .order_by(KubeEvent.last_seen.desc(), KubeEvent.id.desc())
            .offset(keep)
        )
        over = await self.session.execute(delete(KubeEvent).where(KubeEvent.id.in_(excess.scalar_subquery())))
        return int(gone.rowcount or 0) + int(over.rowcount or 0)  # type: ignore[attr-defined]


class WatchRepository(Repository[KubeEventWatch]):
    model = KubeEventWatch

    async def candidates(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        """(cluster, project) of running clusters nobody watches now, least recently watched first."""
        stmt = (
            select(ClusterHealth.cluster_id, ClusterHealth.project_id)
            .outerjoin(KubeEventWatch, KubeEventWatch.cluster_id == ClusterHealth.cluster_id)
            .where(ClusterHealth.cluster_status.in_(POLLED), or_(KubeEventWatch.cluster_id.is_(None), _free(now)))
            .order_by(KubeEventWatch.updated_at.nulls_first(), ClusterHealth.cluster_id)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in (await self.session.execute(stmt)).all()]

    async def claim(self, cluster_id: str, now: datetime, until: datetime, watcher: str) -> bool:
        """Lease the cluster's watch to ``watcher`` unless another holds it; True when it now does."""
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = dict(
            cluster_id=cluster_id, relists=0, last_error="", updated_at=now, lease_until=until, leased_by=watcher
        )
        added = await self.session.execute(insert(KubeEventWatch).values(**values).on_conflict_do_nothing())
        if added.rowcount == 1:  # type: ignore[attr-defined]
            return True
        stmt = (
            update(KubeEventWatch)
            .where(KubeEventWatch.cluster_id == cluster_id, _free(now))
            .values(lease_until=until, leased_by=watcher)
        )
        return bool((await self.session.execute(stmt)).rowcount == 1)  # type: ignore[attr-defined]

    async def renew(self, cluster_ids: Sequence[str], until: datetime, watcher: str) -> set[str]:
        """Extend the leases ``watcher`` still holds among ``cluster_ids`` of running clusters; those ids."""
        if not cluster_ids:
            return set()
        polled = select(ClusterHealth.cluster_id).where(ClusterHealth.cluster_status.in_(POLLED))
        held = (KubeEventWatch.cluster_id.in_(cluster_ids)) & (KubeEventWatch.leased_by == watcher)
        await self.session.execute(
            update(KubeEventWatch).where(held, KubeEventWatch.cluster_id.in_(polled)).values(lease_until=until)
        )
        stmt = select(KubeEventWatch.cluster_id).where(held, KubeEventWatch.cluster_id.in_(polled))
        return set((await self.session.execute(stmt)).scalars().all())

    async def release(self, cluster_id: str, watcher: str) -> None:
        await self.session.execute(
            update(KubeEventWatch)
            .where(KubeEventWatch.cluster_id == cluster_id, KubeEventWatch.leased_by == watcher)
            .values(lease_until=None, leased_by=None)
        )

    async def held(self, cluster_id: str, watcher: str) -> KubeEventWatch | None:
        """The cluster's watch row, locked, if ``watcher`` holds its lease (still, or lapsed and not taken)."""
        stmt = select(KubeEventWatch).where(KubeEventWatch.cluster_id == cluster_id).with_for_update()
        row = await self.one_or_none(stmt.execution_options(populate_existing=True))
        return row if row is not None and row.leased_by == watcher else None

    async def prunable(self, watcher: str, now: datetime) -> list[str]:
        """Clusters whose events ``watcher`` prunes: its own, and those nobody watches (stopped, deleted)."""
        stmt = select(KubeEventWatch.cluster_id).where(or_(KubeEventWatch.leased_by == watcher, _free(now)))
        return list((await self.session.execute(stmt)).scalars().all())
