"""Relaying JetStream events to a browser as Server-Sent Events.

Each connection gets its own ordered, ephemeral JetStream consumer starting
after the last event the browser saw (``Last-Event-ID`` or ``?after=``), so a
reconnect resumes without gaps or duplicates; the SSE id is the event's stream
sequence. Authorisation happens when the subscription is made and again every
``recheck`` seconds while the stream is open (a member removed, a token revoked,
a session ended): a caller no longer allowed gets ``event: ko.access-revoked``
and the stream ends. Each event is still filtered to what the subscription allows.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import Request
from nats.js.api import ConsumerConfig, DeliverPolicy
from starlette.responses import StreamingResponse

from ko_common.bus import EventBus
from ko_common.errors import Unavailable
from ko_common.events import Envelope

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15.0
RECHECK_SECONDS = 5.0  # default of KO_LIVE_RECHECK_SECONDS
REVOKED = (
    b"event: ko.access-revoked\ndata: "
    + json.dumps(
        {
            "error": "access_revoked",
            "detail": "You may no longer read this project (membership, session or token changed): "
            "log in again or ask for access.",
        }
    ).encode()
    + b"\n\n"
)
Allowed = Callable[[], Awaitable[bool]]


def resume_after(request: Request, after: int | None) -> int | None:
    if after is not None:
        return after
    header = request.headers.get("last-event-id", "").strip()
    return int(header) if header.isdigit() else None


async def _events(
    request: Request,
    bus: EventBus,
    stream: str,
    subject: str,
    start_after: int | None,
    keep: Callable[[Envelope], bool],
    allowed: Allowed | None = None,
    recheck: float = RECHECK_SECONDS,
) -> AsyncIterator[bytes]:
    if start_after is None:
        policy, config = DeliverPolicy.NEW, None
    else:
        policy, config = DeliverPolicy.BY_START_SEQUENCE, ConsumerConfig(opt_start_seq=start_after + 1)
    sub = await bus.js.subscribe(subject, stream=stream, ordered_consumer=True, deliver_policy=policy, config=config)
    loop = asyncio.get_running_loop()
    interval = min(recheck, HEARTBEAT_SECONDS)
    try:
        yield b"retry: 2000\n: connected\n\n"
        checked = sent = loop.time()
        while True:
            if await request.is_disconnected():
                return
            now = loop.time()
            if allowed is not None and now - checked >= interval:
                if not await allowed():
                    yield REVOKED
                    return
                checked = now
            if now - sent >= HEARTBEAT_SECONDS:
                yield b": ping\n\n"
                sent = now
            wait = max(0.05, min(checked + interval, sent + HEARTBEAT_SECONDS) - now)
            try:
                msg = await sub.next_msg(timeout=wait)
            except TimeoutError:
                continue
            except Exception as exc:
                if type(exc).__name__ == "TimeoutError":
                    continue
                raise
            try:
                env = Envelope.model_validate_json(msg.data)
            except ValueError:
                continue
            if not keep(env):
                continue
            seq = msg.metadata.sequence.stream if msg.metadata else 0
            yield f"id: {seq}\nevent: {env.type}\ndata: {env.model_dump_json()}\n\n".encode()
            sent = loop.time()
    except asyncio.CancelledError:
        raise
    finally:
        try:
            await sub.unsubscribe()
        except Exception:
            log.debug("unsubscribe failed", exc_info=True)


def sse(
    request: Request,
    stream: str,
    subject: str,
    start_after: int | None,
    keep: Callable[[Envelope], bool],
    allowed: Allowed | None = None,
    recheck: float = RECHECK_SECONDS,
) -> StreamingResponse:
    bus: EventBus = request.app.state.bus
    if not bus.connected:
        raise Unavailable("Live updates are unavailable: the gateway is not connected to NATS. Retry shortly.")
    return StreamingResponse(
        _events(request, bus, stream, subject, start_after, keep, allowed, recheck),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
