"""The deployment service's calls to the backup service (internal routes, signed as the deployment service):
a backup's snapshot, PKI archive and receipt delivered, a good backup's snapshot read back for a restore."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from ko_common.identity import HEADER, service_identity, sign
from ko_common.operations.executors import StepFailed

CHUNK = 1 << 20


class BackupClient:
    def __init__(self, base_url: str, identity_key: bytes, timeout: float = 600.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.identity_key = identity_key
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        return {HEADER: sign(service_identity("deployment"), self.identity_key, "backup")}

    async def deliver(self, backup_id: str, directory: Path) -> dict[str, Any]:
        """PUT the snapshot (streamed), PUT the PKI archive, POST the receipt; the backup's answer."""
        receipt = json.loads((directory / "receipt.json").read_text())
        base = f"{self.base_url}/internal/backups/{backup_id}"
        async with self._client() as http:
            await self._check(await http.put(f"{base}/snapshot", content=_chunks(directory / "etcd.db")), "snapshot")
            await self._check(await http.put(f"{base}/pki", content=(directory / "pki.tar.gz").read_bytes()), "PKI")
            r = await http.post(f"{base}/receipt", json=receipt)
            await self._check(r, "receipt")
        answer: dict[str, Any] = r.json()
        return answer

    async def fetch(self, backup_id: str, sha256: str, target: Path) -> int:
        """The backup's snapshot into `target` (atomically), its sha256 checked; the bytes written."""
        part = target.with_name(target.name + ".part")
        digest, size = hashlib.sha256(), 0
        async with (
            self._client() as http,
            http.stream("GET", f"{self.base_url}/internal/backups/{backup_id}/snapshot") as r,
        ):
            if r.status_code != 200:
                await r.aread()
                await self._check(r, "snapshot")
            with part.open("wb") as fh:
                async for chunk in r.aiter_bytes(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    await asyncio.to_thread(fh.write, chunk)
        if digest.hexdigest() != sha256:
            part.unlink(missing_ok=True)
            raise StepFailed(
                f"The snapshot of backup {backup_id} read from its account has sha256 {digest.hexdigest()}, not the "
                f"recorded {sha256}: the stored file is damaged.",
                hint="Restore another backup, and check the backup account's storage.",
            )
        part.replace(target)
        return size

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, trust_env=False, headers=self._headers())

    async def _check(self, r: httpx.Response, what: str) -> None:
        if r.status_code < 300:
            return
        try:
            detail = r.json().get("detail")
        except ValueError:
            detail = None
        raise StepFailed(
            f"The backup service refused the {what} ({r.status_code}): {detail or r.text[:300]}",
            hint="See the backup service's log; retry the backup once it is fixed.",
        )


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        while chunk := await asyncio.to_thread(fh.read, CHUNK):
            yield chunk
