"""Credential events reach NATS JetStream with the envelope the contract promises, and no secret."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tests.inventory.support import ALICE, Inventory

URL = "/api/v1/credentials"


async def test_created_updated_deleted_events(inventory: Inventory, nats_server: Any) -> None:
    made = inventory.call(
        "POST",
        URL,
        ALICE,
        json={
            "project_id": "p1",
            "name": "ev",
            "username": "root",
            "auth_type": "password",
            "password": "Ev3nt-pa55word",
        },
    ).json()
    inventory.call("PATCH", f"{URL}/{made['id']}", ALICE, json={"password": "Ev3nt-pa55word-2", "username": "ops"})
    assert inventory.call("DELETE", f"{URL}/{made['id']}", ALICE).status_code == 204

    nc = await nats.connect(nats_server.url)
    try:
        js = nc.jetstream()
        config = ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE)
        sub = await js.pull_subscribe("ko.inventory.credential.>", stream="KO_EVENTS", config=config)
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        deadline = asyncio.get_running_loop().time() + 15
        while len(found) < 3 and asyncio.get_running_loop().time() < deadline:
            try:
                msgs = await sub.fetch(batch=100, timeout=1)
            except NatsTimeout:
                continue
            for msg in msgs:
                env = json.loads(msg.data)
                if env["subject"] == made["id"]:
                    assert b"Ev3nt-pa55word" not in msg.data
                    found[env["type"]] = (msg.subject, env)
    finally:
        await nc.close()

    expected = {f"kubeoperator.inventory.credential.{verb}.v1": verb for verb in ("created", "updated", "deleted")}
    assert set(found) == set(expected)
    for type_, verb in expected.items():
        subject, env = found[type_]
        assert subject == f"ko.inventory.credential.{verb}"
        assert (env["source"], env["projectid"], env["specversion"]) == ("ko/inventory", "p1", "1.0")
        assert env["data"] == {
            "id": made["id"],
            "project_id": "p1",
            "name": "ev",
            "username": "root" if verb == "created" else "ops",
            "auth_type": "password",
        }
