"""Is an address taken? A TCP knock on a few ports before it is handed out.

A connection accepted *or refused* (a TCP reset) means a host holds the address; a timeout or
"host unreachable" means nothing answered. ICMP would need raw sockets (root); TCP needs nothing,
and the ports most hosts answer on (22, 80, 443) are the default. Sites that drop such probes
turn them off with an empty port list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

CONCURRENCY = 64  # knocks in flight per allocation; a batch of 256 addresses x 3 ports stays a few timeouts long


@dataclass(frozen=True)
class Prober:
    ports: tuple[int, ...]
    timeout: float

    @property
    def enabled(self) -> bool:
        return bool(self.ports)

    async def answering(self, ips: Sequence[str]) -> list[str]:
        """The addresses of ``ips`` that answered, all probed in parallel."""
        if not self.ports or not ips:
            return []
        gate = asyncio.Semaphore(CONCURRENCY)
        found = await asyncio.gather(*(self._answers(ip, gate) for ip in ips))
        return [ip for ip, answered in zip(ips, found, strict=True) if answered]

    async def _answers(self, ip: str, gate: asyncio.Semaphore) -> bool:
        tasks = [asyncio.create_task(self._knock(ip, port, gate)) for port in self.ports]
        try:
            for done in asyncio.as_completed(tasks):
                if await done:
                    return True  # one answer is enough; the other knocks are cancelled below
            return False
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _knock(self, ip: str, port: int, gate: asyncio.Semaphore) -> bool:
        async with gate:
            try:
                async with asyncio.timeout(self.timeout):
                    _, writer = await asyncio.open_connection(ip, port)
            except (ConnectionRefusedError, ConnectionResetError):
                return True
            except (TimeoutError, OSError) as exc:  # unreachable, no route, filtered: silent
                log.debug("no answer from %s:%s (%s)", ip, port, type(exc).__name__)
                return False
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
            return True
