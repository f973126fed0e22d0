"""The live relay end to end: an inventory change reaches a project member's browser stream (SSE).

A read-only member of project A listens; the project manager of A changes things; the SSE id is the
event's position in the stream, so a reconnect resumes exactly after the last event seen.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.stack import Stack
from tests.system.helpers import API, LiveStream, World, envelopes, sse_status, stream_messages, unique

CREATED = "kubeoperator.inventory.credential.created.v1"
REVOKED = "ko.access-revoked"  # the stream re-checks access every KO_LIVE_RECHECK_SECONDS (1 s in the test stack)


async def _create(stack: Stack, token: str, project_id: str, prefix: str) -> str:
    body = {
        "project_id": project_id,
        "name": unique(prefix),
        "username": "root",
        "auth_type": "password",
        "password": "Live-pw-" + unique("x"),
    }
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.url, headers=headers, timeout=30) as client:
        r = await client.post(f"{API}/credentials", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _is_created(cred_id: str) -> Any:
    return lambda e: e.get("event") == CREATED and e["data"]["subject"] == cred_id


def _a_events_between(stack: Stack, project_id: str, first: int, last: int) -> list[int]:
    """Sequences of project ``project_id`` strictly between two stream positions, read from NATS itself."""

    def reached(messages: list[tuple[int, str, bytes]]) -> bool:
        return bool(messages) and messages[-1][0] >= last

    messages = asyncio.run(stream_messages(stack.nats_url, until=reached, timeout=60.0))
    return [seq for seq, env in envelopes(messages) if first < seq < last and env.get("projectid") == project_id]


async def test_a_member_sees_the_project_managers_changes_live_and_resumes_without_gap_or_duplicate(
    stack: Stack, world: World
) -> None:
    path = f"{API}/live/projects/{world.a}"
    async with LiveStream(stack, path, world.ro.token) as live:
        assert live.status == 200
        first = await _create(stack, world.pm.token, world.a, "live1")
        event, before = await live.until(_is_created(first), timeout=10)
    assert not before, before
    assert event["id"].isdigit()
    first_id = int(event["id"])
    envelope = event["data"]
    assert (envelope["type"], envelope["projectid"], envelope["source"]) == (CREATED, world.a, "ko/inventory")
    assert envelope["data"]["id"] == first and "password" not in envelope["data"]

    # Missed while disconnected: delivered on reconnect (no gap), and the last event seen is not repeated.
    missed = await _create(stack, world.pm.token, world.a, "live2")
    async with LiveStream(stack, path, world.ro.token, headers={"Last-Event-ID": str(first_id)}) as live:
        resumed = await live.next(timeout=10)
        assert resumed["event"] == CREATED and resumed["data"]["subject"] == missed, resumed
        third = await _create(stack, world.pm.token, world.a, "live3")
        latest = await live.next(timeout=10)
        assert latest["event"] == CREATED and latest["data"]["subject"] == third, latest
        await asyncio.sleep(0.5)
        extra = live.drain()
    assert not extra, extra
    ids = [first_id, int(resumed["id"]), int(latest["id"])]
    assert ids == sorted(ids) and len(set(ids)) == 3
    # Nothing of project A was skipped between the ones we got.
    between = await asyncio.to_thread(_a_events_between, stack, world.a, ids[0], ids[2])
    assert between == [ids[1]]

    # ?after= replays from the position given.
    async with LiveStream(stack, f"{path}?after={first_id - 1}", world.ro.token) as live:
        replayed = [await live.next(timeout=10) for _ in range(3)]
    assert [int(e["id"]) for e in replayed] == ids
    assert [e["data"]["subject"] for e in replayed] == [first, missed, third]


async def test_another_projects_events_never_reach_the_stream(stack: Stack, world: World) -> None:
    async with (
        LiveStream(stack, f"{API}/live/projects/{world.a}", world.ro.token) as a_stream,
        LiveStream(stack, f"{API}/live/projects/{world.b}", world.admin.token) as b_stream,
    ):
        in_b = await _create(stack, world.admin.token, world.b, "live-b")
        seen_in_b, _ = await b_stream.until(_is_created(in_b), timeout=10)  # it was published
        sentinel = await _create(stack, world.pm.token, world.a, "live-sentinel")
        _, before = await a_stream.until(_is_created(sentinel), timeout=10)
    assert seen_in_b["data"]["projectid"] == world.b
    assert all(e["data"]["projectid"] == world.a for e in before), before
    assert in_b not in {e["data"]["subject"] for e in before}


async def test_outsiders_and_anonymous_callers_cannot_open_the_stream(stack: Stack, world: World) -> None:
    path = f"{API}/live/projects/{world.a}"
    assert await sse_status(stack, path, world.outsider.token) == 404
    assert await sse_status(stack, path, None) == 401
    assert await sse_status(stack, path, world.ro.token) == 200
    assert await sse_status(stack, f"{API}/live/projects/{world.b}", world.pm.token) == 404


def _member_of_a(world: World, prefix: str) -> tuple[str, str, str]:
    """A new read-only member of project A: (user id, username, password)."""
    user_id, username, password = world.new_user(prefix)
    world.set_member(world.a, user_id, "read-only")
    return user_id, username, password


async def _revoked_and_ended(live: LiveStream) -> dict[str, Any]:
    event, _ = await live.until(lambda e: e.get("event") == REVOKED, timeout=10)
    await asyncio.wait_for(live.ended.wait(), 5)
    return event


async def test_a_member_removed_from_the_project_stops_receiving_its_events(stack: Stack, world: World) -> None:
    user_id, username, password = _member_of_a(world, "live-removed")
    token = stack.token(username, password)
    path = f"{API}/live/projects/{world.a}"
    async with LiveStream(stack, path, token) as live:
        assert live.status == 200
        seen = await _create(stack, world.pm.token, world.a, "live-before")
        await live.until(_is_created(seen), timeout=10)
        r = world.setup.delete(f"{API}/projects/{world.a}/members/{user_id}")
        assert r.status_code == 204, r.text
        event = await _revoked_and_ended(live)
        assert event["data"]["error"] == "access_revoked" and event["data"]["detail"]
        unseen = await _create(stack, world.pm.token, world.a, "live-after")
        await asyncio.sleep(0.5)
        assert unseen not in {e["data"].get("subject") for e in live.drain() if isinstance(e["data"], dict)}
    assert await sse_status(stack, path, token) == 404


async def test_a_stream_opened_with_a_token_ends_when_the_token_is_revoked(stack: Stack, world: World) -> None:
    _, username, password = _member_of_a(world, "live-token")
    session = stack.login(username, password)
    made = session.post(f"{API}/auth/tokens", json={"name": "live"})
    assert made.status_code == 201, made.text
    token, token_id = made.json()["token"], made.json()["id"]
    path = f"{API}/live/projects/{world.a}"
    async with LiveStream(stack, path, token) as live:
        assert live.status == 200
        await asyncio.sleep(1.5)  # a re-check or two while the token is valid changes nothing
        assert not live.ended.is_set()
        assert session.delete(f"{API}/auth/tokens/{token_id}").status_code == 204
        await _revoked_and_ended(live)
    assert await sse_status(stack, path, token) == 401


async def test_a_stream_opened_with_a_session_ends_at_logout(stack: Stack, world: World) -> None:
    _, username, password = _member_of_a(world, "live-session")
    session = stack.login(username, password)
    cookie = session.cookies["ko_session"]
    path = f"{API}/live/projects/{world.a}"
    async with LiveStream(stack, path, headers={"Cookie": f"ko_session={cookie}"}) as live:
        assert live.status == 200
        assert session.post(f"{API}/auth/logout").status_code == 204
        await _revoked_and_ended(live)
