"""Relaying JetStream events to a browser as Server-Sent Events.

Each connection gets its own ordered, ephemeral JetStream consumer starting
after the last event the browser saw (``Last-Event-ID`` or ``?after=``), so a
reconnect resumes without gaps or duplicates; the SSE id is the event's stream
sequence. Authorisation happens once, when the subscription is made, and each
event is still filtered to what the subscription allows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from fastapi import Request
from nats.js.api import ConsumerConfig, DeliverPolicy
from starlette.responses import StreamingResponse

from ko_common.bus import EventBus
from ko_common.errors import Unavailable
from ko_common.events import Envelope

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15.0


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
) -> AsyncIterator[bytes]:
    if start_after is None:
        policy, config = DeliverPolicy.NEW, None
    else:
        policy, config = DeliverPolicy.BY_START_SEQUENCE, ConsumerConfig(opt_start_seq=start_after + 1)
    sub = await bus.js.subscribe(subject, stream=stream, ordered_consumer=True, deliver_policy=policy, config=config)
    try:
        yield b"retry: 2000\n: connected\n\n"
        while True:
            if await request.is_disconnected():
                return
            try:
                msg = await sub.next_msg(timeout=HEARTBEAT_SECONDS)
            except TimeoutError:
                yield b": ping\n\n"
                continue
            except Exception as exc:
                if type(exc).__name__ == "TimeoutError":
                    yield b": ping\n\n"
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
    except asyncio.CancelledError:
        raise
    finally:
        try:
            await sub.unsubscribe()
        except Exception:
            log.debug("unsubscribe failed", exc_info=True)


def sse(
    request: Request, stream: str, subject: str, start_after: int | None, keep: Callable[[Envelope], bool]
) -> StreamingResponse:
    bus: EventBus = request.app.state.bus
    if not bus.connected:
        raise Unavailable("Live updates are unavailable: the gateway is not connected to NATS. Retry shortly.")
    return StreamingResponse(
        _events(request, bus, stream, subject, start_after, keep),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
