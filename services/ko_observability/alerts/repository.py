"""All SQL of the alerts domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ko_common.repository import Repository
from ko_observability.alerts.models import Alert, AlertMark, AlertNotice, AlertRoute, Silence


def _aware(value: datetime | str | None) -> datetime | None:
    """A time from an aggregate: SQLite's min() gives the stored text, in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


class AlertRepository(Repository[Alert]):
    model = Alert

    async def search(
        self,
        projects: set[str] | None,
        cluster_id: str | None,
        status: str | None,
        rule: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Alert], int]:
        """Alerts of ``projects`` (None: every project), newest first."""
        stmt = select(Alert).order_by(Alert.started_at.desc(), Alert.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(Alert.project_id.in_(sorted(projects)))
        for column, value in ((Alert.cluster_id, cluster_id), (Alert.status, status), (Alert.rule, rule)):
            if value:
                stmt = stmt.where(column == value)
        return await self.paginate(stmt, limit, offset)

    async def firing(self, fingerprint: str) -> Alert | None:
        return await self.one_or_none(select(Alert).where(Alert.fingerprint == fingerprint, Alert.status == "firing"))

    async def firing_of_cluster(self, cluster_id: str, rules: Sequence[str]) -> Sequence[Alert]:
        stmt = select(Alert).where(Alert.cluster_id == cluster_id, Alert.status == "firing", Alert.rule.in_(rules))
        return await self.all(stmt)

    async def all_firing(self, rules: Sequence[str] | None = None) -> Sequence[Alert]:
        stmt = select(Alert).where(Alert.status == "firing").order_by(Alert.started_at)
        if rules is not None:
            stmt = stmt.where(Alert.rule.in_(rules))
        return await self.all(stmt)

    async def set_silenced(self, alert_id: str, silenced: bool) -> bool:
        """Flip the flag if it still has the other value: True for the one caller that changed it."""
        stmt = update(Alert).where(Alert.id == alert_id, Alert.silenced.is_(not silenced)).values(silenced=silenced)
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def claim_notify(self, alert_id: str) -> bool:
        """Mark the alert notified if nobody did: True for the one caller that makes its notices."""
        stmt = update(Alert).where(Alert.id == alert_id, Alert.notified.is_(False)).values(notified=True)
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def by_ids(self, ids: Sequence[str]) -> Sequence[Alert]:
        return await self.all(select(Alert).where(Alert.id.in_(list(ids))))

    async def prune_resolved(self, before: datetime) -> int:
        stmt = delete(Alert).where(Alert.status == "resolved", Alert.resolved_at < before)
        return int((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


class RouteRepository(Repository[AlertRoute]):
    model = AlertRoute

    async def by_name(self, project_id: str, name: str) -> AlertRoute | None:
        return await self.one_or_none(
            select(AlertRoute).where(AlertRoute.project_id == project_id, AlertRoute.name == name)
        )

    async def search(self, projects: set[str] | None, limit: int, offset: int) -> tuple[Sequence[AlertRoute], int]:
        stmt = select(AlertRoute).order_by(AlertRoute.name, AlertRoute.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(AlertRoute.project_id.in_(sorted(projects)))
        return await self.paginate(stmt, limit, offset)

    async def enabled_in(self, project_id: str) -> Sequence[AlertRoute]:
        stmt = select(AlertRoute).where(AlertRoute.project_id == project_id, AlertRoute.enabled.is_(True))
        return await self.all(stmt)

    async def flush(self) -> None:
        await self.session.flush()


class SilenceRepository(Repository[Silence]):
    model = Silence

    async def search(self, projects: set[str] | None, limit: int, offset: int) -> tuple[Sequence[Silence], int]:
        stmt = select(Silence).order_by(Silence.ends_at.desc(), Silence.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(Silence.project_id.in_(sorted(projects)))
        return await self.paginate(stmt, limit, offset)

    async def active(self, now: datetime, project_id: str | None = None) -> Sequence[Silence]:
        stmt = select(Silence).where(Silence.expired.is_(False), Silence.starts_at <= now, Silence.ends_at > now)
        if project_id is not None:
            stmt = stmt.where(Silence.project_id == project_id)
        return await self.all(stmt)

    async def ended(self, now: datetime) -> Sequence[Silence]:
        return await self.all(select(Silence).where(Silence.expired.is_(False), Silence.ends_at <= now))

    async def claim_expiry(self, silence_id: str) -> bool:
        stmt = update(Silence).where(Silence.id == silence_id, Silence.expired.is_(False)).values(expired=True)
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def prune(self, before: datetime) -> int:
        stmt = delete(Silence).where(Silence.expired.is_(True), Silence.ends_at < before)
        return int((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]


class NoticeRepository(Repository[AlertNotice]):
    model = AlertNotice

    async def due_groups(self, before: datetime) -> list[tuple[str, str]]:
        """(route, cluster) groups whose oldest notice is older than ``before``."""
        stmt = (
            select(AlertNotice.route_id, AlertNotice.cluster_id)
            .group_by(AlertNotice.route_id, AlertNotice.cluster_id)
            .having(func.min(AlertNotice.created_at) <= before)
        )
        return [(r, c) for r, c in (await self.session.execute(stmt)).all()]

    async def next_due(self) -> datetime | None:
        return _aware((await self.session.execute(select(func.min(AlertNotice.created_at)))).scalar_one_or_none())

    async def group(self, route_id: str, cluster_id: str) -> Sequence[AlertNotice]:
        stmt = (
            select(AlertNotice)
            .where(AlertNotice.route_id == route_id, AlertNotice.cluster_id == cluster_id)
            .order_by(AlertNotice.id)
        )
        return await self.all(stmt)

    async def take(self, ids: Sequence[int]) -> int:
        """Delete the notices; how many this transaction deleted (fewer: another replica took some)."""
        result = await self.session.execute(delete(AlertNotice).where(AlertNotice.id.in_(list(ids))))
        return int(result.rowcount)  # type: ignore[attr-defined]


class MarkRepository(Repository[AlertMark]):
    model = AlertMark

    async def lock(self, key: str, at: datetime) -> AlertMark:
        """The source's mark, made at ``at`` if new, locked for the caller's transaction (insert-or-nothing
        first, so two replicas handling a source's first events at once both succeed)."""
        dialect = self.session.get_bind().dialect.name
        insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(insert(AlertMark).values(key=key, at=at).on_conflict_do_nothing())
        stmt = select(AlertMark).where(AlertMark.key == key).with_for_update()
        mark = await self.one_or_none(stmt.execution_options(populate_existing=True))
        assert mark is not None
        return mark

    async def prune(self, before: datetime) -> int:
        result = await self.session.execute(delete(AlertMark).where(AlertMark.at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
