"""Helpers of the delivery tests: put messages in a channel's queue as alert routing will, wait for them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ko_observability.channels import service
from ko_observability.channels.repository import ChannelRepository
from tests.observability.support import ALICE, URL, Observability


def alert(summary: str, severity: str = "critical", cluster: str = "prod-1") -> dict[str, Any]:
    return {"kind": "alert", "severity": severity, "cluster": cluster, "summary": summary, "time": datetime.now(UTC)}


def enqueue(obs: Observability, channel_id: str, messages: Sequence[dict[str, Any]], **row: Any) -> list[str]:
    """Store ``messages`` for the channel in one transaction (``row``: column values to set, e.g. a lease)."""

    async def run() -> list[str]:
        db = obs.database()
        try:
            async with db.transaction() as session:
                channel = await ChannelRepository(session).get(channel_id)
                assert channel is not None
                ids = []
                for message in messages:
                    delivery = await service.enqueue(session, channel, message)
                    for name, value in row.items():
                        setattr(delivery, name, value)
                    ids.append(delivery.id)
                return ids
        finally:
            await db.dispose()

    return asyncio.run(run())


def settled(obs: Observability, channel_id: str, count: int, timeout: float = 30) -> list[dict[str, Any]]:
    """The channel's ``count`` deliveries once none is pending any more."""
    deadline = time.monotonic() + timeout
    while True:
        page = obs.call("GET", f"{URL}/{channel_id}/deliveries", ALICE, params={"limit": 200}).json()
        items: list[dict[str, Any]] = page["items"]
        if page["total"] >= count and all(d["status"] != "pending" for d in items):
            return items
        if time.monotonic() > deadline:
            raise TimeoutError(f"deliveries still pending: {[d for d in items if d['status'] == 'pending']}")
        time.sleep(0.05)
