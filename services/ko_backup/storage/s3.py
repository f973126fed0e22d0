"""An S3-compatible bucket as backup storage, through aiobotocore (botocore's signing and parsing).

Large objects go up as multipart uploads of ``part_size`` bytes, a few parts at once, so memory
stays at those parts whatever the size; a failed multipart upload is aborted, and S3 shows an object only once its
upload is complete, so a put that fails midway leaves nothing under its key. Refusals name the
account field to fix: an unreachable endpoint, a missing bucket, an unknown access key, a wrong
secret key, a denied action, a wrong region.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager, suppress
from typing import Any, TypeVar

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, SSLError

from ko_backup.storage.base import CHUNK, ObjectInfo, S3Spec, Source, StorageError, check_key, chunks_of

# botocore logs request headers at DEBUG; keep its loggers quiet whatever the service's level.
logging.getLogger("botocore").setLevel(logging.WARNING)
logging.getLogger("aiobotocore").setLevel(logging.WARNING)

PART_SIZE = 16 << 20  # S3 wants at least 5 MiB per part but the last, and at most 10,000 parts
PARTS_IN_FLIGHT = 4
T = TypeVar("T")


class S3Storage:
    def __init__(self, spec: S3Spec, client: Any, part_size: int = PART_SIZE) -> None:
        self.spec = spec
        self.client = client
        self.part_size = part_size
        self.where = f"bucket {spec.bucket} at {spec.endpoint}"

    async def check(self) -> None:
        """Credentials, bucket and listing right, in one request every S3 implementation answers alike
        (a put to a missing bucket is a 500 on some of them)."""
        await self._call(self.client.list_objects_v2(Bucket=self.spec.bucket, MaxKeys=1))

    async def _call(self, action: Awaitable[T]) -> T:
        try:
            return await action
        except ClientError as exc:
            raise self._refusal(exc) from exc
        except SSLError as exc:
            raise StorageError(
                f"verify_tls: the TLS certificate of {self.spec.endpoint} is not trusted: install its CA on the "
                "KubeOperator server, or turn verify_tls off for a self-signed test endpoint.",
                field="verify_tls",
            ) from exc
        except EndpointConnectionError as exc:
            raise StorageError(
                f"endpoint: {self.spec.endpoint} cannot be reached from the backup service: check the URL, "
                "its port and that a firewall lets the connection through.",
                field="endpoint",
            ) from exc
        except BotoCoreError as exc:  # timeouts, closed connections, unreadable answers
            raise StorageError(f"endpoint: {self.spec.endpoint} failed: {exc}.", field="endpoint") from exc

    def _refusal(self, exc: ClientError) -> StorageError:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "NoSuchBucket":
            return StorageError(
                f"bucket: there is no bucket {self.spec.bucket} at {self.spec.endpoint}: create it, or check the name.",
                field="bucket",
            )
        if code == "InvalidAccessKeyId":
            return StorageError(
                f"access_key: {self.spec.endpoint} does not know the access key {self.spec.access_key}: check it.",
                field="access_key",
            )
        if code == "SignatureDoesNotMatch":
            return StorageError(
                f"secret_key: {self.spec.endpoint} refused the signature: the secret key does not belong to the "
                f"access key {self.spec.access_key}.",
                field="secret_key",
            )
        if code in ("AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException"):
            return StorageError(
                f"region: {self.where} is not in region {self.spec.region}: give the bucket's region.", field="region"
            )
        if code == "AccessDenied" or status == 403:
            return StorageError(
                f"access_key: the access key {self.spec.access_key} may not write, read, list and delete objects in "
                f"{self.where}: grant it s3:PutObject, s3:GetObject, s3:ListBucket and s3:DeleteObject.",
                field="access_key",
            )
        if code == "NoSuchKey" or status == 404:
            return StorageError(f"No such object in {self.where}.", field="key")
        message = str(exc.response.get("Error", {}).get("Message", "")) or code
        return StorageError(f"endpoint: {self.where} answered {status} {code}: {message}.", field="endpoint")

    async def put(self, key: str, source: Source) -> int:
        name = check_key(key)
        bucket = self.spec.bucket
        buf = bytearray()
        etags: dict[int, str] = {}
        in_flight: set[asyncio.Task[None]] = set()
        upload_id: str | None = None
        written = numbered = 0

        async def upload(number: int, data: bytes) -> None:
            sent = await self._call(
                self.client.upload_part(Bucket=bucket, Key=name, UploadId=upload_id, PartNumber=number, Body=data)
            )
            etags[number] = sent["ETag"]

        async def send_part(data: bytes) -> None:
            # Up to PARTS_IN_FLIGHT parts go up at once (signing and the server's work overlap the
            # reading); memory stays at that many parts.
            nonlocal upload_id, numbered
            if upload_id is None:
                made = await self._call(self.client.create_multipart_upload(Bucket=bucket, Key=name))
                upload_id = str(made["UploadId"])
            while len(in_flight) >= PARTS_IN_FLIGHT:
                done, _ = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                in_flight.difference_update(done)
                for task in done:
                    task.result()  # a failed part fails the put
            numbered += 1
            in_flight.add(asyncio.create_task(upload(numbered, data)))

        try:
            async for chunk in chunks_of(source):
                buf += chunk
                written += len(chunk)
                # Keep one byte back so the last part is never empty.
                while len(buf) > self.part_size:
                    await send_part(bytes(buf[: self.part_size]))
                    del buf[: self.part_size]
            if upload_id is None:
                await self._call(self.client.put_object(Bucket=bucket, Key=name, Body=bytes(buf)))
            else:
                await send_part(bytes(buf))
                await asyncio.gather(*in_flight)
                parts = [{"PartNumber": n, "ETag": etags[n]} for n in sorted(etags)]
                await self._call(
                    self.client.complete_multipart_upload(
                        Bucket=bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
                    )
                )
        except BaseException:
            for task in in_flight:
                task.cancel()
            await asyncio.gather(*in_flight, return_exceptions=True)
            if upload_id is not None:
                # If this fails too, the bucket's lifecycle rule for incomplete uploads cleans up.
                with suppress(ClientError, BotoCoreError):
                    await self.client.abort_multipart_upload(Bucket=bucket, Key=name, UploadId=upload_id)
            raise
        return written

    async def get(self, key: str) -> AsyncIterator[bytes]:
        answer = await self._call(self.client.get_object(Bucket=self.spec.bucket, Key=check_key(key)))
        body = answer["Body"]
        try:
            while chunk := await body.read(CHUNK):
                yield bytes(chunk)
        finally:
            body.close()

    async def delete(self, key: str) -> None:
        await self._call(self.client.delete_object(Bucket=self.spec.bucket, Key=check_key(key)))

    async def list(self, prefix: str = "") -> list[ObjectInfo]:
        found: list[ObjectInfo] = []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            async for page in paginator.paginate(Bucket=self.spec.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    found.append(ObjectInfo(str(item["Key"]), int(item["Size"]), item.get("LastModified")))
        except ClientError as exc:
            raise self._refusal(exc) from exc
        return sorted(found, key=lambda o: o.key)

    async def exists(self, key: str) -> bool:
        try:
            await self.client.head_object(Bucket=self.spec.bucket, Key=check_key(key))
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise self._refusal(exc) from exc
        return True


@asynccontextmanager
async def open_s3(spec: S3Spec, timeout: float) -> AsyncIterator[S3Storage]:
    config = AioConfig(
        s3={"addressing_style": "path" if spec.path_style else "virtual"},
        signature_version="s3v4",
        connect_timeout=timeout,
        read_timeout=max(timeout, 60),
        retries={"total_max_attempts": 2, "mode": "standard"},
    )
    session = get_session()
    async with session.create_client(
        "s3",
        endpoint_url=spec.endpoint,
        region_name=spec.region,
        aws_access_key_id=spec.access_key,
        aws_secret_access_key=spec.secret_key,
        verify=spec.verify_tls,
        config=config,
    ) as client:
        storage = S3Storage(spec, client)
        await storage.check()
        yield storage
