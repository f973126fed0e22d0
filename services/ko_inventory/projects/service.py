"""Refusing resources in a project inventory has not heard of."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.errors import InvalidInput
from ko_inventory.projects.repository import ProjectRepository

# A project just created in the gateway reaches inventory through NATS a moment later.
WAIT_SECONDS = 2.0
POLL_SECONDS = 0.1


async def require_known(session: AsyncSession, project_id: str, wait: float | None = None) -> None:
    """Return when ``project_id`` is a live project; wait briefly for a new one, then refuse (422)."""
    if await ProjectRepository(session).exists(project_id):
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + (WAIT_SECONDS if wait is None else wait)
    while loop.time() < deadline:
        await asyncio.sleep(POLL_SECONDS)
        # A session of its own per look: the caller's transaction may keep an older snapshot (SQLite).
        async with AsyncSession(session.bind) as fresh:
            if await ProjectRepository(fresh).exists(project_id):
                return
    raise InvalidInput(
        f"No project {project_id}: create it first (or wait a moment if you just did).", field="project_id"
    )
