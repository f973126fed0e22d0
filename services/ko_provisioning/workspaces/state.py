"""Terraform states kept by the provisioning service: sealed, versioned and locked, never on a worker's disk alone.

`DatabaseStateStore` is the Terraform executor's `StateStore` (ko_common.operations.terraform): the
executor restores the newest version before `init` and saves after every run of a phase (failed,
cancelled and timed-out ones too, since the local backend writes its state after each resource).
Each save is a new row sealed with the service's key (`KO_SECRET_KEY`; a state holds the cloud
password and addresses in plain text); the newest `KEEP` versions stay so a bad apply can be looked
at and rolled back by hand. A save whose lineage matches and whose serial is not newer than the
stored one is skipped (the same state saved twice).

`lock`/`unlock`: the operation that applies a state holds its lock for the phase. Two runs of one
workspace cannot happen (the engine runs one operation per workspace), so the lock guards against
the same operation running twice at once (a worker thought dead that is still applying): the lock
of a holder other than the asking operation refuses; the holder's own retry takes it again.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import box_for
from ko_common.db import Database, new_id, utcnow
from ko_provisioning.workspaces.models import StateLock, TerraformState

KEEP = 10
TABLE = "terraform_states"


class StateLocked(Exception):
    def __init__(self, key: str, holder: str) -> None:
        super().__init__(f"The Terraform state {key} is locked by operation {holder}.")
        self.holder = holder


def _serial(data: bytes) -> tuple[str | None, int | None]:
    try:
        doc = json.loads(data)
        return str(doc.get("lineage")) if doc.get("lineage") else None, int(doc["serial"])
    except (ValueError, KeyError, TypeError):
        return None, None


class DatabaseStateStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, key: str) -> bytes | None:
        async with self.db.transaction() as session:
            row = await self._newest(session, key)
            if row is None:
                return None
            plain = box_for(session).decrypt(row.data_enc, table=TABLE, row_id=key, field="data")
            return plain.encode()

    async def save(self, key: str, data: bytes) -> None:
        lineage, serial = _serial(data)
        async with self.db.transaction() as session:
            newest = await self._newest(session, key)
            if (
                newest is not None
                and lineage is not None
                and newest.lineage == lineage
                and serial is not None
                and newest.serial is not None
                and serial <= newest.serial
            ):
                return
            version = (newest.version + 1) if newest is not None else 1
            # Sealed with the key as its row id: a version copied under another workspace does not open.
            sealed = box_for(session).encrypt(data.decode(), table=TABLE, row_id=key, field="data")
            session.add(TerraformState(id=new_id(), key=key, version=version, serial=serial, lineage=lineage,
                                       data_enc=sealed, saved_at=utcnow()))  # fmt: skip
            await session.flush()
            old = select(TerraformState.id).where(TerraformState.key == key, TerraformState.version <= version - KEEP)
            await session.execute(delete(TerraformState).where(TerraformState.id.in_(old)))

    async def versions(self, key: str) -> list[tuple[int, int | None]]:
        """(version, serial) of the kept versions, newest first."""
        async with self.db.transaction() as session:
            rows = await session.execute(
                select(TerraformState.version, TerraformState.serial)
                .where(TerraformState.key == key)
                .order_by(TerraformState.version.desc())
            )
            return [(int(v), s) for v, s in rows.all()]

    async def forget(self, key: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(TerraformState).where(TerraformState.key == key))

    @staticmethod
    async def _newest(session: AsyncSession, key: str) -> TerraformState | None:
        newest = select(func.max(TerraformState.version)).where(TerraformState.key == key).scalar_subquery()
        found = await session.execute(
            select(TerraformState).where(TerraformState.key == key, TerraformState.version == newest)
        )
        return found.scalars().first()

    async def lock(self, key: str, holder: str) -> None:
        async with self.db.transaction() as session:
            existing = await session.get(StateLock, key)
            if existing is not None:
                if existing.holder != holder:
                    raise StateLocked(key, existing.holder)
                return
            session.add(StateLock(key=key, holder=holder, acquired_at=utcnow()))
            try:
                await session.flush()
            except IntegrityError as exc:  # taken meanwhile by another
                raise StateLocked(key, "another") from exc

    async def unlock(self, key: str, holder: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(StateLock).where(StateLock.key == key, StateLock.holder == holder))

    @asynccontextmanager
    async def locked(self, key: str, holder: str) -> AsyncIterator[None]:
        await self.lock(key, holder)
        try:
            yield
        finally:
            await self.unlock(key, holder)
