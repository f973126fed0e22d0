"""The storage drivers behind one protocol, each against its real storage: streamed put (S3 multipart for
large objects) and get, list, exists, delete, and no object left under the key by a put that failed midway."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ko_backup.storage import LocalSpec, S3Spec, SftpSpec, StorageSpec, open_storage
from ko_backup.storage.s3 import S3Storage
from tests.backup.servers import ADMIN_KEYS, SFTP_PASSWORD, SFTP_USER, SeaweedS3, Sshd

KINDS = ["local", "sftp", "s3"]


@pytest.fixture(params=KINDS)
def spec(request: pytest.FixtureRequest, tmp_path: Path) -> StorageSpec:
    if request.param == "local":
        (tmp_path / "store").mkdir()
        return LocalSpec(str(tmp_path / "store"))
    if request.param == "sftp":
        sshd: Sshd = request.getfixturevalue("sshd")
        return SftpSpec("127.0.0.1", sshd.port, SFTP_USER, sshd.writable, sshd.host_key, password=SFTP_PASSWORD)
    seaweed: SeaweedS3 = request.getfixturevalue("seaweed")
    bucket = f"drv-{os.urandom(4).hex()}"
    seaweed.create_bucket(bucket)
    return S3Spec(seaweed.endpoint, "us-east-1", bucket, ADMIN_KEYS.access_key, True, True, ADMIN_KEYS.secret_key)


async def chunks(data: bytes, size: int = 300_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def failing(data: bytes) -> AsyncIterator[bytes]:
    yield data
    raise ConnectionResetError("the snapshot stream broke")


async def test_put_get_list_exists_delete(spec: StorageSpec, tmp_path: Path) -> None:
    data = os.urandom(11 << 20)  # over two 5 MiB parts below
    source = tmp_path / "snapshot.db"
    source.write_bytes(data)
    async with open_storage(spec) as storage:
        if isinstance(storage, S3Storage):
            storage.part_size = 5 << 20  # the smallest S3 allows: three parts
        assert await storage.put("c1/from-file.db", source) == len(data)
        assert await storage.put("c1/streamed.db", chunks(data)) == len(data)
        for key in ("c1/from-file.db", "c1/streamed.db"):
            back = hashlib.sha256()
            async for chunk in storage.get(key):
                back.update(chunk)
            assert back.hexdigest() == hashlib.sha256(data).hexdigest()
        listed = await storage.list("c1/")
        assert [(o.key, o.size) for o in listed] == [("c1/from-file.db", len(data)), ("c1/streamed.db", len(data))]
        assert await storage.exists("c1/streamed.db") and not await storage.exists("c1/none.db")

        with pytest.raises(ConnectionResetError):
            await storage.put("c1/broken.db", failing(os.urandom(6 << 20)))
        assert not await storage.exists("c1/broken.db")
        assert [o.key for o in await storage.list("c1/")] == ["c1/from-file.db", "c1/streamed.db"]

        await storage.delete("c1/streamed.db")
        await storage.delete("c1/streamed.db")  # gone already: not an error
        assert [o.key for o in await storage.list()] == ["c1/from-file.db"]
        with pytest.raises(ValueError):
            await storage.put("../escape", chunks(b"x"))
