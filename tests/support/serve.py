"""Run a service app for real (uvicorn on a free loopback port, in a thread) inside a test."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from ko_common.identity import HEADER, Identity, sign
from tests.support.procs import free_port


@contextmanager
def served(app: FastAPI, ready_path: str = "/readyz", timeout: float = 30.0) -> Iterator[str]:
    """Serve ``app`` (lifespan included) and yield its base URL once ``ready_path`` answers 200."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if not thread.is_alive():
                raise RuntimeError("the app stopped during start-up (see the log above)")
            try:
                if httpx.get(base + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{ready_path} did not answer 200 within {timeout}s")
            time.sleep(0.05)
        yield base
    finally:
        server.should_exit = True
        thread.join(15)


def identity_headers(identity: Identity, key: bytes, audience: str) -> dict[str, str]:
    """The header the gateway would add, for calling a service directly in its own tests."""
    return {HEADER: sign(identity, key, audience)}
