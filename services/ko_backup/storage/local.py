"""A directory on the KubeOperator server as backup storage.

Objects are files under the directory. A put writes ``<key>.partial-<random>`` beside the
target and renames it into place when complete (atomic on one filesystem), so a crash
midway never leaves a file under the key; ``list`` skips partial files.
"""

from __future__ import annotations

import asyncio
import builtins
import errno
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from ko_backup.storage.base import CHUNK, LocalSpec, ObjectInfo, Source, StorageError, check_key, chunks_of

PARTIAL = ".partial-"


class LocalStorage:
    def __init__(self, spec: LocalSpec) -> None:
        self.root = Path(spec.directory)

    def check(self) -> None:
        if not self.root.is_absolute():
            raise StorageError(f"directory: {self.root} is not an absolute path: give it from /.", field="directory")
        if not self.root.is_dir():
            raise StorageError(
                f"directory: {self.root} does not exist on the KubeOperator server (or is not a directory): "
                f"create it (`mkdir -p {self.root}`) or give another.",
                field="directory",
            )

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _unwritable(self, exc: OSError) -> StorageError:
        return StorageError(
            f"directory: {self.root} is not writable by the backup service (uid {os.geteuid()}): "
            f"{os.strerror(exc.errno or errno.EACCES)}. Give that user write access to it, "
            "or choose another directory.",
            field="directory",
        )

    def _refusal(self, key: str, exc: OSError) -> StorageError:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return self._unwritable(exc)
        if exc.errno == errno.ENOSPC:
            return StorageError(f"directory: {self.root} is full: free some space.", field="directory")
        return StorageError(f"directory: writing {key} failed: {exc.strerror or exc}.", field="directory")

    async def put(self, key: str, source: Source) -> int:
        target = self._path(key)
        temp = target.with_name(target.name + PARTIAL + secrets.token_hex(4))
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            fh = await asyncio.to_thread(temp.open, "wb")
        except OSError as exc:
            raise self._refusal(key, exc) from exc
        written = 0
        try:
            # Only the storage's own failures become refusals; the source's propagate as they are.
            async for chunk in chunks_of(source):
                try:
                    await asyncio.to_thread(fh.write, chunk)
                except OSError as exc:
                    raise self._refusal(key, exc) from exc
                written += len(chunk)
            try:
                await asyncio.to_thread(_flush_to_disk, fh)
                fh.close()
                await asyncio.to_thread(os.replace, temp, target)
            except OSError as exc:
                raise self._refusal(key, exc) from exc
        except BaseException:
            fh.close()
            await asyncio.to_thread(temp.unlink, missing_ok=True)
            raise
        return written

    async def get(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            fh = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError as exc:
            raise StorageError(f"No object {key} in {self.root}.", field="key") from exc
        except OSError as exc:
            raise StorageError(f"directory: reading {key} failed: {exc.strerror}.", field="directory") from exc
        try:
            while chunk := await asyncio.to_thread(fh.read, CHUNK):
                yield chunk
        finally:
            fh.close()

    async def delete(self, key: str) -> None:
        try:
            await asyncio.to_thread(self._path(key).unlink, missing_ok=True)
        except OSError as exc:
            raise self._unwritable(exc) from exc

    async def list(self, prefix: str = "") -> list[ObjectInfo]:
        return await asyncio.to_thread(self._list, prefix)

    def _list(self, prefix: str) -> builtins.list[ObjectInfo]:
        found = []
        for dirpath, _, files in os.walk(self.root):
            for name in files:
                if PARTIAL in name:
                    continue
                path = Path(dirpath) / name
                key = path.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    st = path.stat()
                    found.append(ObjectInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
        return sorted(found, key=lambda o: o.key)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)


def _flush_to_disk(fh: BinaryIO) -> None:
    # A backup is complete once it is on disk, not when it is in the page cache.
    fh.flush()
    os.fsync(fh.fileno())
