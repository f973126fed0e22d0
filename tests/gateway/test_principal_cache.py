"""The gateway's short-lived cache of resolved callers."""

from __future__ import annotations

import time

from ko_gateway.auth.principal import Principal, PrincipalCache


def _principal() -> Principal:
    return Principal("u1", "alice", False, "token", "t1", {"p1": "read-only"})


def test_entries_expire_after_the_ttl() -> None:
    cache = PrincipalCache(ttl=0.2)
    cache.put("t:abc", _principal(), "")
    hit = cache.get("t:abc")
    assert hit is not None and hit[0].username == "alice"
    time.sleep(0.3)
    assert cache.get("t:abc") is None


def test_clear_and_disabled_cache() -> None:
    cache = PrincipalCache(ttl=5)
    cache.put("s:x", _principal(), "csrf-digest")
    cache.clear()
    assert cache.get("s:x") is None
    off = PrincipalCache(ttl=0)
    off.put("s:x", _principal(), "")
    assert off.get("s:x") is None


def test_size_is_bounded() -> None:
    cache = PrincipalCache(ttl=5, size=3)
    for i in range(10):
        cache.put(f"t:{i}", _principal(), "")
    assert len(cache._entries) <= 3
