"""What every storage driver offers, and the settings each kind is opened with.

A driver is opened as an async context manager (``ko_backup.storage.open_storage``) and
offers five calls: ``put`` (streamed from a file or an async iterator of bytes), ``get``
(streamed), ``delete``, ``list`` and ``exists``. Keys are relative, slash-separated
paths; a driver never writes outside its directory, bucket or prefix.

Guarantees every driver keeps:
- an object is visible (``list``, ``exists``, ``get``) only once it is complete: a
  ``put`` that fails midway leaves no object under ``key``;
- a refusal is a ``StorageError`` naming the account field to fix (``directory``,
  ``host_key``, ``password``, ``endpoint``, ``bucket``, ``secret_key``...), with a
  sentence that says how; never a secret in it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

CHUNK = 1 << 20  # bytes read or written at a time when streaming

Source = Path | AsyncIterable[bytes]


class StorageError(Exception):
    """The storage refused or cannot be reached; ``field`` names the account setting to fix."""

    def __init__(self, detail: str, *, field: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime | None = None


@dataclass(frozen=True)
class LocalSpec:
    directory: str


@dataclass(frozen=True)
class SftpSpec:
    """Secrets are left out of repr, so a spec in a log line or traceback shows none."""

    host: str
    port: int
    username: str
    directory: str
    host_key: str  # the server's public key, OpenSSH format
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class S3Spec:
    endpoint: str
    region: str
    bucket: str
    access_key: str
    path_style: bool
    verify_tls: bool
    secret_key: str = field(default="", repr=False)


StorageSpec = LocalSpec | SftpSpec | S3Spec


class Storage(Protocol):
    async def put(self, key: str, source: Source) -> int:
        """Store ``source`` under ``key`` (replacing it) and return the bytes written."""
        ...

    def get(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks; StorageError(field="key") when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing one is not an error."""
        ...

    async def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Complete objects whose key starts with ``prefix``, sorted by key."""
        ...

    async def exists(self, key: str) -> bool: ...


_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")


def check_key(key: str) -> str:
    """Refuse keys that could leave the account's directory or bucket (``..``, absolute, odd characters)."""
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") or not _SEGMENT.fullmatch(p) for p in parts):
        raise ValueError(f"invalid storage key {key!r}: use relative paths of letters, digits, '.', '_' and '-'")
    return key


async def chunks_of(source: Source) -> AsyncIterator[bytes]:
    """``source`` as chunks of at most CHUNK bytes, read from disk off the event loop."""
    if isinstance(source, Path):
        with source.open("rb") as fh:
            while chunk := await asyncio.to_thread(fh.read, CHUNK):
                yield chunk
        return
    async for chunk in source:
        if chunk:
            yield chunk
