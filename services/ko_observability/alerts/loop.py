"""The alerts' periodic work, in every replica: each group of notices whose oldest is a group window old
goes out as one message per channel of its route; pod alerts quiet for the quiet period resolve; silences
start and end; resolved alerts and ended silences older than the retention are deleted.

Each step is its own transaction. A group's notices are deleted in the transaction that enqueues its
messages, and only if this transaction deleted every one of them (else another replica took the group and
this one rolls back): a group goes out once, and a crash before commit leaves it to go out later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.db import Database, utcnow
from ko_common.logging import log_fields
from ko_observability.alerts import engine
from ko_observability.alerts.messages import group_message
from ko_observability.alerts.repository import (
    AlertRepository,
    MarkRepository,
    NoticeRepository,
    RouteRepository,
    SilenceRepository,
)
from ko_observability.alerts.rules import QUIET_RULES
from ko_observability.channels import service as channels
from ko_observability.channels.repository import ChannelRepository

log = logging.getLogger(__name__)
PRUNE_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class AlertPolicy:
    group_window_seconds: float = 3.0
    quiet_period_seconds: float = 900.0
    retention_days: float = 30.0
    poll_seconds: float = 1.0


class _TakenElsewhere(Exception):
    """Another replica sent (part of) the group: this transaction changes nothing."""


class AlertLoop:
    def __init__(self, db: Database, policy: AlertPolicy, wake_dispatcher: Callable[[], None]) -> None:
        self.db = db
        self.policy = policy
        self.wake_dispatcher = wake_dispatcher
        self._pruned_at: datetime | None = None

    async def run(self) -> None:
        while True:
            try:
                await self.tick(utcnow())
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
                log.warning("alert loop: %s; trying again", type(exc).__name__)
            await asyncio.sleep(self.policy.poll_seconds)

    async def tick(self, now: datetime) -> None:
        async with self.db.transaction() as session:
            await engine.apply_silences(session, now)
        async with self.db.transaction() as session:
            await self._resolve_quiet(session, now)
        sent = 0
        async with self.db.transaction() as session:
            groups = await NoticeRepository(session).due_groups(
                now - timedelta(seconds=self.policy.group_window_seconds)
            )
        for route_id, cluster_id in groups:
            with contextlib.suppress(_TakenElsewhere):
                async with self.db.transaction() as session:
                    sent += await self._send_group(session, route_id, cluster_id, now)
        if sent:
            self.wake_dispatcher()
        if self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY:
            async with self.db.transaction() as session:
                await self._prune(session, now)
            self._pruned_at = now

    async def _resolve_quiet(self, session: AsyncSession, now: datetime) -> None:
        quiet_since = now - timedelta(seconds=self.policy.quiet_period_seconds)
        for alert in await AlertRepository(session).all_firing(sorted(QUIET_RULES)):
            if alert.last_seen_at <= quiet_since:
                await engine.resolve(session, alert, now)

    async def _send_group(self, session: AsyncSession, route_id: str, cluster_id: str, now: datetime) -> int:
        """Enqueue the group's message to each channel of its route; how many messages."""
        notices = NoticeRepository(session)
        group = await notices.group(route_id, cluster_id)
        if not group or await notices.take([n.id for n in group]) != len(group):
            raise _TakenElsewhere
        route = await RouteRepository(session).get(route_id)
        if route is None:
            return 0
        alerts = {a.id: a for a in await AlertRepository(session).by_ids([n.alert_id for n in group])}
        repo, sent = ChannelRepository(session), 0
        for channel_id in json.loads(route.channel_ids):
            channel = await repo.get(channel_id)
            if channel is None or channel.project_id != route.project_id:
                log.warning("alert route %s names a channel that is gone: %s", route.id, channel_id)
                continue
            await channels.enqueue(session, channel, group_message(group, alerts, channel.language, now))
            sent += 1
        log.info("alert group sent", extra=log_fields(route_id=route_id, cluster_id=cluster_id, alerts=len(group)))
        return sent

    async def _prune(self, session: AsyncSession, now: datetime) -> None:
        before = now - timedelta(days=self.policy.retention_days)
        await AlertRepository(session).prune_resolved(before)
        await SilenceRepository(session).prune(before)
        await MarkRepository(session).prune(before)
