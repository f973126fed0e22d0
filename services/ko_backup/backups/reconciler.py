"""The backup service's loop that records how its backups' and restores' operations ended.

Runs in every replica; the updates are idempotent (a record already ended is not read again), so two
replicas reconciling at once change nothing twice. A deployment service that does not answer is
retried at the next round.
"""

from __future__ import annotations

import asyncio
import logging

from ko_backup.backups import service
from ko_common.db import Database

log = logging.getLogger(__name__)


async def run(db: Database, deps: service.Deps, interval: float) -> None:
    while True:
        try:
            async with db.transaction() as session:
                await service.reconcile(session, deps)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("backup reconcile round failed")
        await asyncio.sleep(interval)
