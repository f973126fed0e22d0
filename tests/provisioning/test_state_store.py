"""The provisioning service's Terraform state store (workspaces/state.py), on SQLite and PostgreSQL:
sealed at rest, every saved version kept up to `KEEP`, a repeated save of the same serial not stored
twice, and the lock refusing a second holder while the first one's retry takes it again."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from ko_common.crypto import SecretBox, attach
from ko_common.db import Database
from ko_common.migrations import upgrade
from ko_provisioning.workspaces.state import KEEP, DatabaseStateStore, StateLocked

MIGRATIONS = Path(__file__).resolve().parents[2] / "services/ko_provisioning/migrations"
PASSWORD = "Vc3nter-P@ss"


def state(serial: int, lineage: str = "lin-1") -> bytes:
    return json.dumps({"version": 4, "serial": serial, "lineage": lineage,
                       "resources": [{"password": PASSWORD}]}).encode()  # fmt: skip


async def _store(database_url: str) -> tuple[Database, DatabaseStateStore]:
    db = Database(database_url, "provisioning")
    await upgrade(db, MIGRATIONS)
    attach(db.sessionmaker, SecretBox(os.urandom(32)))
    return db, DatabaseStateStore(db)


def test_states_are_sealed_versioned_and_locked(database_url: str) -> None:
    async def go() -> None:
        db, store = await _store(database_url)
        try:
            assert await store.load("ws-1/vsphere") is None
            await store.save("ws-1/vsphere", state(1))
            await store.save("ws-1/vsphere", state(1))  # the same state saved twice (end of phase, then rescue)
            assert await store.versions("ws-1/vsphere") == [(1, 1)]
            for serial in range(2, KEEP + 4):
                await store.save("ws-1/vsphere", state(serial))
            kept = await store.versions("ws-1/vsphere")
            assert len(kept) == KEEP and kept[0] == (KEEP + 3, KEEP + 3), kept
            assert await store.load("ws-1/vsphere") == state(KEEP + 3)
            # a new lineage (the state was replaced) is saved even with a lower serial
            await store.save("ws-1/vsphere", state(1, "lin-2"))
            assert await store.load("ws-1/vsphere") == state(1, "lin-2")
            async with db.transaction() as session:
                stored = (await session.execute(text("SELECT data_enc FROM terraform_states"))).scalars().all()
            assert stored and not any(PASSWORD in s or "lin-1" in s for s in stored), "a state is stored in clear"

            await store.lock("ws-1/vsphere", "op-1")
            await store.lock("ws-1/vsphere", "op-1")  # the holder's own resume
            with pytest.raises(StateLocked) as refused:
                await store.lock("ws-1/vsphere", "op-2")
            assert refused.value.holder == "op-1" and "op-1" in str(refused.value)
            await store.unlock("ws-1/vsphere", "op-2")  # not the holder: nothing changes
            with pytest.raises(StateLocked):
                await store.lock("ws-1/vsphere", "op-2")
            await store.unlock("ws-1/vsphere", "op-1")
            async with store.locked("ws-1/vsphere", "op-2"):
                with pytest.raises(StateLocked):
                    await store.lock("ws-1/vsphere", "op-1")
            await store.lock("ws-1/vsphere", "op-1")  # given back when the block ended
            await store.forget("ws-1/vsphere")
            assert await store.load("ws-1/vsphere") is None
        finally:
            await db.dispose()

    asyncio.run(go())


def test_a_state_copied_under_another_key_does_not_open(tmp_path: Path) -> None:
    async def go() -> None:
        db, store = await _store(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
        try:
            await store.save("ws-1/vsphere", state(1))
            async with db.transaction() as session:
                await session.execute(text("UPDATE terraform_states SET key = 'ws-2/vsphere'"))
            with pytest.raises(Exception, match=r"ws-2/vsphere|damaged|authenticat|decrypt"):
                await store.load("ws-2/vsphere")
        finally:
            await db.dispose()

    asyncio.run(go())
