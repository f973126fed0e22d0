"""The probe that decides whether an address is taken, on loopback only."""

from __future__ import annotations

import asyncio
import errno
import time
from typing import Any

import pytest

from ko_inventory.ippools import probe
from ko_inventory.ippools.probe import Prober
from tests.support.procs import free_port


async def test_accepting_or_refusing_means_answering() -> None:
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        # 127.0.0.1 accepts on `port`; 127.0.0.2 has nothing there and answers with a reset.
        assert await Prober((port,), 1.0).answering(["127.0.0.1", "127.0.0.2"]) == ["127.0.0.1", "127.0.0.2"]
        assert await Prober((free_port(),), 1.0).answering(["127.0.0.3"]) == ["127.0.0.3"]
    finally:
        server.close()
        await server.wait_closed()


async def test_no_ports_means_no_probe() -> None:
    prober = Prober((), 1.0)
    assert not prober.enabled and await prober.answering(["127.0.0.1"]) == []


async def test_silence_and_unreachable_are_not_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host that never answers (timeout) or a network that says unreachable: the address reads free."""

    async def fake_open(host: str, port: int) -> Any:
        if host.endswith(".1"):
            await asyncio.sleep(60)  # dropped SYN
        if host.endswith(".2"):
            raise OSError(errno.EHOSTUNREACH, "No route to host")
        raise ConnectionRefusedError(errno.ECONNREFUSED, "refused")

    monkeypatch.setattr(probe.asyncio, "open_connection", fake_open)
    started = time.monotonic()
    ips = [f"127.9.0.{i}" for i in (1, 2, 3)] * 50  # 150 probes of 3 ports, in parallel
    got = await Prober((22, 80, 443), 0.3).answering(ips)
    assert set(got) == {"127.9.0.3"} and len(got) == 50
    assert time.monotonic() - started < 5, "probes of a batch run in parallel"
