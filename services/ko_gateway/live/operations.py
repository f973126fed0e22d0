"""Live events of one operation, for the console's deploy view (Server-Sent Events).

The stream is built from two sources so it has no gap and no duplicate whatever happened before:
the deployment service's stored events (`GET /api/v1/operations/{id}/events?after=`, which hold
everything published and maybe more) and the operation's JetStream subject for what comes next.
The relay subscribes first, back-fills from the store, then forwards new events by counter: one
at or below the last sent is dropped, one above the next expected makes it back-fill the gap from
the store first. The SSE `id` is the counter, so `Last-Event-ID` resumes exactly.

Bursts are coalesced: events go out in SSE messages of up to `MAX_BATCH`, at most about
`FLUSH_PER_SECOND` messages a second per client, each carrying every event (none is dropped,
so no phase or task status change is lost). The stream ends with `event: ko.operation-end`
once the operation has ended and its last event was sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Query, Request
from nats.js.api import DeliverPolicy
from starlette.responses import StreamingResponse

from ko_common.bus import EventBus
from ko_common.errors import NotFound, Unavailable, UpstreamError
from ko_common.events import OPERATION_EVENTS
from ko_common.identity import Identity, permission
from ko_gateway.auth.principal import CurrentPrincipal
from ko_gateway.live.endpoints import router
from ko_gateway.live.relay import HEARTBEAT_SECONDS, resume_after
from ko_gateway.proxy.client import client, service_url, signed_headers

log = logging.getLogger(__name__)
FLUSH_PER_SECOND = 30
MAX_BATCH = 500
TERMINAL = ("succeeded", "failed", "cancelled")


class Store:
    """The deployment service's view of the operation, called as the user (so it authorises too)."""

    def __init__(self, app: FastAPI, identity: Identity, operation_id: str) -> None:
        self.app, self.identity, self.operation_id = app, identity, operation_id

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        url = service_url(self.app, "deployment") + f"/api/v1/operations/{self.operation_id}{path}"
        headers = signed_headers(self.app, self.identity, "deployment")
        try:
            r = await client(self.app).get(url, params=params, headers=headers, timeout=30)
        except Exception as exc:
            raise Unavailable("The deployment service is not reachable: retry shortly.") from exc
        if r.status_code == 404:
            raise NotFound(f"No operation {self.operation_id}.")
        if r.status_code != 200:
            raise UpstreamError(f"The deployment service answered {r.status_code}.")
        body: dict[str, Any] = r.json()
        return body

    async def operation(self) -> dict[str, Any]:
        return await self._get("")

    async def events_after(self, after: int, until: int | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            page = await self._get("/events", {"after": after, "limit": 5000})
            items = page["items"]
            out += [e for e in items if until is None or e["counter"] <= until]
            if not items or (until is not None and items[-1]["counter"] >= until):
                return out
            after = items[-1]["counter"]


@router.get(
    "/operations/{operation_id}",
    operation_id="liveOperationEvents",
    openapi_extra=permission("project:read"),
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`event: ko.operation-events` messages whose data is a JSON array of operation events "
            "(id = the last counter), then `event: ko.operation-end`.",
        }
    },
)
async def operation_events(
    operation_id: str,
    request: Request,
    principal: CurrentPrincipal,
    after: int | None = Query(None, ge=0, description="Resume after this counter (or send Last-Event-ID)."),
) -> StreamingResponse:
    """Every event of one operation, live, in counter order, resumable; ends when the operation ends."""
    store = Store(request.app, principal.identity, operation_id)
    await store.operation()  # 404 for an operation the caller may not see
    bus: EventBus = request.app.state.bus
    if not bus.connected:
        raise Unavailable("Live updates are unavailable: the gateway is not connected to NATS. Retry shortly.")
    return StreamingResponse(
        _stream(request, bus, store, resume_after(request, after) or 0),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _message(events: list[dict[str, Any]]) -> bytes:
    data = json.dumps(events, separators=(",", ":"))
    return f"id: {events[-1]['counter']}\nevent: ko.operation-events\ndata: {data}\n\n".encode()


async def _stream(request: Request, bus: EventBus, store: Store, after: int) -> AsyncIterator[bytes]:
    subject = OPERATION_EVENTS.subject_for(store.operation_id)
    # Subscribed before the back-fill: anything published meanwhile is in the subscription.
    sub = await bus.js.subscribe(
        subject, stream=OPERATION_EVENTS.stream, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW
    )
    loop = asyncio.get_running_loop()
    last = after
    try:
        yield b"retry: 2000\n: connected\n\n"
        backlog = await store.events_after(last)
        for i in range(0, len(backlog), MAX_BATCH):
            chunk = backlog[i : i + MAX_BATCH]
            yield _message(chunk)
            last = chunk[-1]["counter"]
        if await _ended(store, last):
            yield b"event: ko.operation-end\ndata: {}\n\n"
            return
        sent = checked = loop.time()
        end_seen = bool(backlog) and backlog[-1]["kind"] == "end"
        pending: list[dict[str, Any]] = []
        while True:
            if await request.is_disconnected():
                return
            if pending:
                wait = max(0.0, sent + 1.0 / FLUSH_PER_SECOND - loop.time())
            else:
                wait = 0.5 if end_seen else HEARTBEAT_SECONDS
            try:
                msg = await sub.next_msg(timeout=max(wait, 0.001))
                event = json.loads(msg.data)["data"]
            except Exception as exc:
                if type(exc).__name__ != "TimeoutError" and not isinstance(exc, TimeoutError | ValueError | KeyError):
                    raise
                event = None
            if event is not None:
                counter = int(event["counter"])
                if counter <= last:
                    continue  # already sent (back-fill, or a republish)
                if counter > last + 1:  # stored but not seen here: take the gap from the store
                    gap = await store.events_after(last, until=counter - 1)
                    pending += gap
                    last = gap[-1]["counter"] if gap else last
                if counter == last + 1:
                    pending.append(event)
                    last = counter
            now = loop.time()
            if pending and (now - sent >= 1.0 / FLUSH_PER_SECOND or len(pending) >= MAX_BATCH):
                yield _message(pending)
                end_seen = end_seen or pending[-1]["kind"] == "end"
                pending, sent = [], now
                if end_seen and await _ended(store, last):
                    yield b"event: ko.operation-end\ndata: {}\n\n"
                    return
            elif end_seen and not pending and now - checked >= 0.5:
                checked = now
                if await _ended(store, last):
                    yield b"event: ko.operation-end\ndata: {}\n\n"
                    return
            elif not pending and now - sent >= HEARTBEAT_SECONDS:
                yield b": ping\n\n"
                sent = now
    finally:
        try:
            await sub.unsubscribe()
        except Exception:
            log.debug("unsubscribe failed", exc_info=True)


async def _ended(store: Store, last: int) -> bool:
    op = await store.operation()
    return op["status"] in TERMINAL and last >= int(op["last_counter"])
