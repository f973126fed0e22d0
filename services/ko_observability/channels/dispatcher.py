"""The dispatcher: sends stored messages to their channels, within each channel's rate limit, with retries.

Guarantees:
- Nothing is lost: a message is a pending row before anything is sent (``service.enqueue``); it leaves
  pending only when the receiver accepted it, or refused it for good, or it ran out of attempts. A
  dispatcher holds the messages it is sending under a lease; when a process dies mid-send, the lease
  ends and the next dispatcher (this one after a restart, or another replica) sends them again: at
  least once, never silently dropped.
- Never flooded: at most ``limit`` sends per channel in any window (per kind by default: DingTalk's
  robots take 20 messages a minute), counted across restarts from the delivery history. When more
  messages are waiting than the window still allows, they are merged into one message (as many as
  the receiver's size limit takes, the rest into the next send) instead of being sent one by one.
- Retries: no answer, HTTP 5xx or 429, an SMTP 4xx or a robot's "too fast" are retried after
  ``backoff * 2**(attempt-1)`` seconds (with jitter, capped), up to ``max_attempts``; anything else
  fails at once. A test message is tried once, so its sender sees the answer right away.
- One channel's slow receiver does not hold up the others: each channel with work has its own task,
  and sends run at most ``concurrency`` at a time.

The rate limit is counted per process: replicas sharing a channel each keep to it (documented limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import random
import time
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx

from ko_common.crypto import SecretBoxError, box_for
from ko_common.db import Database, utcnow
from ko_common.errors import NotFound, TooManyRequests
from ko_common.events import emit
from ko_common.logging import log_fields
from ko_observability.channels import events, service
from ko_observability.channels.models import Delivery, NotificationChannel
from ko_observability.channels.repository import ChannelRepository, DeliveryRepository
from ko_observability.channels.schemas import DeliveryFailedEvent
from ko_observability.channels.senders import Answer, SendContext
from ko_observability.channels.templates import render_merged

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    timeout_seconds: float = 10.0
    max_attempts: int = 6
    backoff_seconds: float = 2.0
    backoff_max_seconds: float = 300.0
    rate_window_seconds: float = 60.0
    poll_seconds: float = 1.0
    concurrency: int = 16
    max_merge: int = 50
    proxy: str | None = None

    @property
    def lease(self) -> timedelta:
        # Long enough for the slowest send (an SMTP session is several exchanges, each up to the timeout).
        return timedelta(seconds=max(60.0, self.timeout_seconds * 6))

    def backoff(self, attempts: int) -> float:
        base: float = min(self.backoff_max_seconds, self.backoff_seconds * 2.0 ** (attempts - 1))
        return base * random.uniform(0.8, 1.2)


class RateLimiter:
    """Sends per channel in a sliding window (monotonic clock)."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._sent: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, channel_id: str) -> deque[float]:
        sent, now = self._sent[channel_id], time.monotonic()
        while sent and sent[0] <= now - self.window:
            sent.popleft()
        return sent

    def remaining(self, channel_id: str, limit: int) -> int:
        return max(0, limit - len(self._recent(channel_id)))

    def wait(self, channel_id: str, limit: int) -> float:
        """Seconds until one more send is allowed (0: now)."""
        sent = self._recent(channel_id)
        if len(sent) < limit:
            return 0.0
        return max(0.0, sent[len(sent) - limit] + self.window - time.monotonic())

    def record(self, channel_id: str, at: float | None = None) -> None:
        sent = self._sent[channel_id]
        sent.append(time.monotonic() if at is None else at)
        if at is not None:
            self._sent[channel_id] = deque(sorted(sent))


class Dispatcher:
    def __init__(self, db: Database, policy: DeliveryPolicy) -> None:
        self.db = db
        self.policy = policy
        self.limiter = RateLimiter(policy.rate_window_seconds)
        self.http = httpx.AsyncClient(
            trust_env=False, proxy=policy.proxy, follow_redirects=False, headers={"User-Agent": "KubeOperator"}
        )
        self._wake = asyncio.Event()
        self._drains: dict[str, asyncio.Task[None]] = {}
        self._sending = asyncio.Semaphore(policy.concurrency)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        try:
            await self._seed_limiter()
        except Exception as exc:  # noqa: BLE001 - sending matters more than an exact count after a restart
            log.warning("delivery history unreadable (%s): rate limits start from zero", type(exc).__name__)
        while True:
            self._wake.clear()
            try:
                delay = await self._tick()
            except Exception as exc:  # noqa: BLE001 - the loop must outlive a database hiccup
                log.warning("delivery loop: %s; trying again", type(exc).__name__)
                delay = self.policy.poll_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def close(self) -> None:
        for task in list(self._drains.values()):
            task.cancel()
        await asyncio.gather(*self._drains.values(), return_exceptions=True)
        await self.http.aclose()

    async def send_now(self, channel_id: str, message: Mapping[str, Any]) -> Delivery:
        """Store ``message`` as a test delivery, send it once now, and return it with the answer."""
        async with self.db.transaction() as session:
            channel = await ChannelRepository(session).get(channel_id)
            if channel is None:
                raise NotFound(f"No notification channel {channel_id}.")
            limit = service.rate_limit(channel)
            wait = self.limiter.wait(channel.id, limit)
            if wait > 0:
                raise TooManyRequests(
                    f"The channel sent its {limit} messages of the last {self.policy.rate_window_seconds:g} s: "
                    f"try again in {wait:.0f} s.",
                    headers={"Retry-After": str(int(wait) + 1)},
                )
            delivery = await service.enqueue(session, channel, message, test=True)
            delivery.lease_until = utcnow() + self.policy.lease  # ours: no drain takes it
        await self._send(channel, [delivery])
        async with self.db.transaction() as session:
            sent = await DeliveryRepository(session).get(delivery.id)
        if sent is None:  # the channel was deleted meanwhile
            raise NotFound(f"No notification channel {channel_id}.")
        return sent

    async def _seed_limiter(self) -> None:
        """Count the sends of the last window from the history, so a restart does not reset the limit."""
        since = utcnow() - timedelta(seconds=self.policy.rate_window_seconds)
        async with self.db.transaction() as session:
            sends = await DeliveryRepository(session).sends_since(since)
        now_wall, now_mono = utcnow(), time.monotonic()
        for channel_id, at in sends:
            self.limiter.record(channel_id, now_mono - (now_wall - at).total_seconds())

    async def _tick(self) -> float:
        now = utcnow()
        async with self.db.transaction() as session:
            repo = DeliveryRepository(session)
            due = await repo.due_channels(now)
            upcoming = await repo.next_due(now)
        for channel_id in due:
            if channel_id not in self._drains:
                task = asyncio.create_task(self._drain(channel_id), name=f"deliveries-{channel_id}")
                self._drains[channel_id] = task
                task.add_done_callback(functools.partial(self._drained, channel_id))
        delay = self.policy.poll_seconds
        if upcoming is not None:
            delay = min(delay, max(0.01, (upcoming - utcnow()).total_seconds()))
        return delay

    def _drained(self, channel_id: str, _task: asyncio.Task[None]) -> None:
        self._drains.pop(channel_id, None)
        self.wake()  # messages that became due while the task was finishing

    async def _drain(self, channel_id: str) -> None:
        """Send the channel's due messages, one send per rate-limit slot, until none is due."""
        try:
            while True:
                async with self.db.transaction() as session:
                    channel = await ChannelRepository(session).get(channel_id)
                if channel is None or not channel.enabled:
                    return
                wait = self.limiter.wait(channel_id, service.rate_limit(channel))
                if wait > 0:
                    await asyncio.sleep(wait)  # messages keep queuing meanwhile; the next send merges them
                    continue
                batch = await self._claim(channel)
                if not batch:
                    return
                await self._send(channel, batch)
        except Exception as exc:  # noqa: BLE001 - leases expire; the next tick starts again
            log.warning("deliveries of channel %s: %s", channel_id, type(exc).__name__)

    async def _claim(self, channel: NotificationChannel) -> list[Delivery]:
        now = utcnow()
        async with self.db.transaction() as session:
            repo = DeliveryRepository(session)
            due = await repo.due(channel.id, now, self.policy.max_merge)
            if not due:
                return []
            remaining = self.limiter.remaining(channel.id, service.rate_limit(channel))
            if remaining == 0:  # a test message took the last slot: the drain waits for the next
                return []
            group = [due[0]] if len(due) <= remaining else self._merge_plan(channel, due)
            held = set(await repo.claim([d.id for d in group], now, now + self.policy.lease))
        return [d for d in group if d.id in held]

    def _merge_plan(self, channel: NotificationChannel, due: Sequence[Delivery]) -> list[Delivery]:
        """The oldest messages that fit in one message the receiver takes whole."""
        cap = service.sender_for(channel).max_text_bytes
        group = [due[0]]
        for delivery in due[1:]:
            candidate = [*group, delivery]
            text = render_merged([json.loads(d.message) for d in candidate], channel.language).text  # type: ignore[arg-type]
            if cap is not None and len(text.encode()) > cap:
                break
            group = candidate
        return group

    async def _send(self, channel: NotificationChannel, batch: Sequence[Delivery]) -> None:
        sender = service.sender_for(channel)
        rendered = render_merged([json.loads(d.message) for d in batch], channel.language)  # type: ignore[arg-type]
        try:
            async with self.db.transaction() as session:
                config = service.open_config(box_for(session), channel)
        except SecretBoxError:
            answer = Answer(False, False, None, "the channel's secrets cannot be decrypted: set them again")
        else:
            self.limiter.record(channel.id)
            async with self._sending:
                try:
                    answer = await sender.send(config, rendered, SendContext(self.http, self.policy.timeout_seconds))
                except Exception as exc:  # noqa: BLE001 - a sender's bug must not lose the message
                    log.warning("sender %s failed: %s", channel.kind, type(exc).__name__)
                    answer = Answer(False, True, None, f"the sender failed ({type(exc).__name__})")
        await self._record(channel, [d.id for d in batch], answer)

    async def _record(self, channel: NotificationChannel, ids: list[str], answer: Answer) -> None:
        now = utcnow()
        batch_id = ids[0] if len(ids) > 1 else None
        async with self.db.transaction() as session:
            for d in await DeliveryRepository(session).by_ids(ids):
                d.attempts += 1
                d.last_attempt_at = now
                d.lease_until = None
                d.batch_id, d.batch_size = batch_id, len(ids)
                d.answer_status, d.answer = answer.status, answer.text
                if answer.ok:
                    d.status = "delivered"
                elif answer.retryable and not d.test and d.attempts < self.policy.max_attempts:
                    d.next_attempt_at = now + timedelta(seconds=self.policy.backoff(d.attempts))
                else:
                    d.status = "failed"
                    await emit(
                        session,
                        events.DELIVERY_FAILED,
                        DeliveryFailedEvent.of(d),
                        subject_id=d.id,
                        project_id=d.project_id,
                    )
            await session.flush()
        fields = log_fields(channel_id=channel.id, messages=len(ids), ok=answer.ok, status=answer.status)
        log.info("notification sent" if answer.ok else "notification not delivered", extra=fields)
