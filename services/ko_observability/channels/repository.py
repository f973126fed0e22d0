"""All SQL of the channels domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, func, or_, select, update

from ko_common.repository import Repository
from ko_observability.channels.models import Delivery, NotificationChannel


class ChannelRepository(Repository[NotificationChannel]):
    model = NotificationChannel

    async def count_in_project(self, project_id: str) -> int:
        stmt = select(func.count()).select_from(NotificationChannel).where(NotificationChannel.project_id == project_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def by_name(self, project_id: str, name: str) -> NotificationChannel | None:
        return await self.one_or_none(
            select(NotificationChannel).where(
                NotificationChannel.project_id == project_id, NotificationChannel.name == name
            )
        )

    async def search(
        self, projects: set[str] | None, kind: str | None, limit: int, offset: int
    ) -> tuple[Sequence[NotificationChannel], int]:
        """Channels of ``projects`` (None: every project), of one ``kind`` if given, by name."""
        stmt = select(NotificationChannel).order_by(NotificationChannel.name, NotificationChannel.id)
        if projects is not None:
            if not projects:
                return [], 0
            stmt = stmt.where(NotificationChannel.project_id.in_(sorted(projects)))
        if kind:
            stmt = stmt.where(NotificationChannel.kind == kind)
        return await self.paginate(stmt, limit, offset)

    async def flush(self) -> None:
        await self.session.flush()


def _claimable(now: datetime) -> ColumnElement[bool]:
    return (
        (Delivery.status == "pending")
        & (Delivery.next_attempt_at <= now)
        & or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)
    )


class DeliveryRepository(Repository[Delivery]):
    model = Delivery

    async def history(
        self, channel_id: str, status: str | None, limit: int, offset: int
    ) -> tuple[Sequence[Delivery], int]:
        stmt = select(Delivery).where(Delivery.channel_id == channel_id)
        if status:
            stmt = stmt.where(Delivery.status == status)
        return await self.paginate(stmt.order_by(Delivery.created_at.desc(), Delivery.id), limit, offset)

    async def due_channels(self, now: datetime) -> list[str]:
        """Enabled channels with a message due now that no live dispatcher holds."""
        stmt = (
            select(Delivery.channel_id)
            .join(NotificationChannel, NotificationChannel.id == Delivery.channel_id)
            .where(_claimable(now), NotificationChannel.enabled.is_(True))
            .distinct()
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def next_due(self, now: datetime) -> datetime | None:
        """The earliest future time a pending message of an enabled channel becomes due (or its lease ends)."""
        when = func.coalesce(Delivery.lease_until, Delivery.next_attempt_at)
        stmt = (
            select(func.min(when))
            .join(NotificationChannel, NotificationChannel.id == Delivery.channel_id)
            .where(Delivery.status == "pending", NotificationChannel.enabled.is_(True), when > now)
        )
        return _aware((await self.session.execute(stmt)).scalar_one_or_none())

    async def sends_since(self, since: datetime) -> list[tuple[str, datetime]]:
        """(channel, time) of each send since ``since``: messages merged into one send count once."""
        stmt = (
            select(Delivery.channel_id, func.max(Delivery.last_attempt_at))
            .where(Delivery.last_attempt_at >= since)
            .group_by(Delivery.channel_id, func.coalesce(Delivery.batch_id, Delivery.id))
        )
        rows = (await self.session.execute(stmt)).all()
        return [(channel_id, at) for channel_id, value in rows if (at := _aware(value)) is not None]

    async def due(self, channel_id: str, now: datetime, limit: int) -> Sequence[Delivery]:
        """The channel's claimable messages, oldest first."""
        stmt = (
            select(Delivery)
            .where(Delivery.channel_id == channel_id, _claimable(now))
            .order_by(Delivery.created_at, Delivery.id)
            .limit(limit)
        )
        return await self.all(stmt)

    async def claim(self, ids: Sequence[str], now: datetime, until: datetime) -> list[str]:
        """Lease each message that is still claimable; the ids this dispatcher now holds."""
        held = []
        for id_ in ids:
            stmt = update(Delivery).where(Delivery.id == id_, _claimable(now)).values(lease_until=until)
            if (await self.session.execute(stmt)).rowcount == 1:  # type: ignore[attr-defined]
                held.append(id_)
        return held

    async def by_ids(self, ids: Sequence[str]) -> Sequence[Delivery]:
        return await self.all(select(Delivery).where(Delivery.id.in_(list(ids))).order_by(Delivery.created_at))


def _aware(value: datetime | str | None) -> datetime | None:
    """A time from an aggregate: SQLite's min() and max() give the stored text, in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
