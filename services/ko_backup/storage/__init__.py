"""Backup storage: one driver per account kind behind one small protocol (see ``base``).

``open_storage`` opens the driver of a spec; ``probe`` proves an account works end to end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ko_backup.storage.base import LocalSpec, S3Spec, SftpSpec, Storage, StorageError, StorageSpec

PROBE_PREFIX = ".kubeoperator-probe"
PROBE_BYTES = 64 << 10


@asynccontextmanager
async def open_storage(spec: StorageSpec, timeout: float = 10.0) -> AsyncIterator[Storage]:
    # Imported here: a service that never uses SFTP or S3 does not load asyncssh or botocore.
    if isinstance(spec, LocalSpec):
        from ko_backup.storage.local import LocalStorage

        local = LocalStorage(spec)
        local.check()
        yield local
    elif isinstance(spec, SftpSpec):
        from ko_backup.storage.sftp import open_sftp

        async with open_sftp(spec, timeout) as sftp:
            yield sftp
    else:
        from ko_backup.storage.s3 import open_s3

        async with open_s3(spec, timeout) as s3:
            yield s3


async def probe(spec: StorageSpec, timeout: float = 10.0) -> None:
    """Write a probe object, read it back, compare, delete it. Raises StorageError naming the field to fix."""
    data = os.urandom(PROBE_BYTES)
    key = f"{PROBE_PREFIX}/{secrets.token_hex(8)}"

    async def once() -> AsyncIterator[bytes]:
        yield data

    async with open_storage(spec, timeout) as storage:
        await storage.put(key, once())
        try:
            back = b"".join([chunk async for chunk in storage.get(key)])
        finally:
            await storage.delete(key)
        if back != data:
            field = "directory" if isinstance(spec, LocalSpec | SftpSpec) else "endpoint"
            raise StorageError(
                f"{field}: the probe object read back differs from what was written "
                f"({len(back)} of {len(data)} bytes): the storage corrupts data.",
                field=field,
            )
        if await storage.exists(key):
            field = "directory" if isinstance(spec, LocalSpec | SftpSpec) else "access_key"
            raise StorageError(
                f"{field}: the probe object {key} could not be deleted: grant delete rights too.", field=field
            )


__all__ = ["LocalSpec", "S3Spec", "SftpSpec", "Storage", "StorageError", "StorageSpec", "open_storage", "probe"]
