"""Authentication through the real gateway: sessions, CSRF, slow-down and lock-out, API tokens, storage.

The stack runs with KO_LOGIN_SLOWDOWN_AFTER=2, KO_LOGIN_LOCK_AFTER=4 and KO_LOGIN_LOCK_MINUTES=1.
"""

from __future__ import annotations

import hashlib
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support.procs import start_nats
from tests.support.stack import Stack, start_stack
from tests.system.helpers import API, World, query, raw_databases, unique

LOGIN = f"{API}/auth/login"
LOCK_AFTER = 4  # KO_LOGIN_LOCK_AFTER of the test stack


def _login(stack: Stack, username: str, password: str) -> httpx.Response:
    return httpx.post(stack.url + LOGIN, json={"username": username, "password": password}, timeout=30)


def _set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def test_login_sets_an_httponly_strict_session_cookie_and_returns_the_csrf_token(stack: Stack, world: World) -> None:
    username, password = world.outsider.username, world.outsider.password
    r = _login(stack, username, password)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["csrf_token"] and body["user"]["username"] == username
    (session_cookie,) = _set_cookie_headers(r, "ko_session")
    attributes = [a.strip().lower() for a in session_cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    # The token itself is neither the CSRF token nor given in the body.
    value = r.cookies["ko_session"]
    assert value and value != body["csrf_token"] and value not in r.text


def test_wrong_password_and_unknown_user_get_the_same_answer(stack: Stack, world: World) -> None:
    username, password = world.outsider.username, world.outsider.password
    wrong = _login(stack, username, password + "x")
    unknown = _login(stack, unique("nobody"), password)
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert "ko_session" not in wrong.cookies
    assert _login(stack, username, password).status_code == 200


def test_slow_down_then_lock_out_then_an_admin_unlocks(stack: Stack, world: World) -> None:
    user_id, username, password = world.new_user("lockme")
    assert _login(stack, username, "wrong-1").status_code == 401
    assert _login(stack, username, "wrong-2").status_code == 401

    # Two failures: the next attempt within the wait is refused before the password is even checked.
    slowed = _login(stack, username, password)
    assert slowed.status_code == 429, slowed.text
    wait = int(slowed.headers["Retry-After"])
    assert 1 <= wait <= 60
    assert "wait" in slowed.json()["detail"]

    time.sleep(wait + 0.2)
    third = _login(stack, username, "wrong-3")
    assert third.status_code == 401, third.text
    again = _login(stack, username, "wrong-too-early")
    assert again.status_code == 429
    time.sleep(int(again.headers["Retry-After"]) + 0.2)
    assert _login(stack, username, "wrong-4").status_code == 401

    # Four failures: locked, even with the right password.
    locked = _login(stack, username, password)
    assert locked.status_code == 423, locked.text
    assert "locked" in locked.json()["detail"]
    assert world.setup.get(f"{API}/users/{user_id}").json()["locked"] is True

    r = world.setup.post(f"{API}/users/{user_id}/unlock")
    assert r.status_code == 200, r.text
    assert r.json()["locked"] is False
    assert _login(stack, username, password).status_code == 200


def test_parallel_failed_logins_all_count_towards_the_lock(stack: Stack, world: World) -> None:
    """Eight wrong passwords at once must lock the account (lock after 4), not be counted as one or two."""
    user_id, username, password = world.new_user("parallel")
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda i: _login(stack, username, f"wrong-{i}").status_code, range(8)))
    assert set(statuses) <= {401, 423, 429}, statuses
    # Every guess checked was counted, and no more than the lock allows were checked.
    assert statuses.count(401) <= LOCK_AFTER, statuses
    (failed,) = query(stack.data_dir / "gateway.db", "SELECT failed_logins FROM users WHERE id = ?", user_id)[0]
    assert failed == statuses.count(401), statuses
    _guess_until_locked(stack, username, failed)
    locked = _login(stack, username, password)
    assert locked.status_code == 423, f"{statuses} then the right password: {locked.status_code} {locked.text}"


def test_parallel_guesses_get_no_more_checks_than_the_lock_allows(stack: Stack, world: World) -> None:
    """Eight attempts at once, one of them with the right password: at most 4 are checked at all."""
    _, username, password = world.new_user("guesses")
    attempts = [f"wrong-{i}" for i in range(7)] + [password]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda pw: _login(stack, username, pw), attempts))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 401, 423, 429}, statuses
    checked = statuses.count(401) + statuses.count(200)
    assert checked <= LOCK_AFTER, statuses
    for answer in answers:
        if answer.status_code == 401:
            assert answer.json()["detail"] == "Wrong username or password."
        elif answer.status_code == 429:
            assert int(answer.headers["Retry-After"]) >= 1
        elif answer.status_code == 423:
            assert "locked" in answer.json()["detail"]
    if 200 in statuses:
        return  # the right password was among the guesses checked before the lock: a fair login
    _guess_until_locked(stack, username, statuses.count(401))
    locked = _login(stack, username, password)
    assert locked.status_code == 423, f"{statuses} then the right password: {locked.status_code} {locked.text}"


def _guess_until_locked(stack: Stack, username: str, failed: int) -> None:
    """Wrong guesses in parallel (waiting out the slow-down) until the account is locked; count the checks."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda i: _login(stack, username, f"again-{i}"), range(4)))
        statuses = [a.status_code for a in answers]
        assert set(statuses) <= {401, 423, 429}, statuses
        failed += statuses.count(401)
        assert failed <= LOCK_AFTER, f"{failed} guesses checked, the lock is after {LOCK_AFTER}"
        if 423 in statuses:
            assert failed == LOCK_AFTER
            return
        waits = [int(a.headers["Retry-After"]) for a in answers if a.status_code == 429]
        time.sleep(min(waits, default=0) + 0.1)
    raise AssertionError("the account was never locked")


def test_an_unknown_username_takes_as_long_as_a_known_one(stack: Stack, world: World) -> None:
    """No timing oracle for usernames: the password is checked (against a dummy hash) either way."""
    username, password = world.outsider.username, world.outsider.password

    def timed(name: str) -> float:
        start = time.monotonic()
        _login(stack, name, password)
        return time.monotonic() - start

    known = sorted(timed(username) for _ in range(3))[1]
    unknown = sorted(timed(unique("nobody")) for _ in range(3))[1]
    assert unknown > 0.4 * known, f"unknown user answered in {unknown:.3f} s, a known one in {known:.3f} s"


def test_a_mutating_call_with_the_cookie_but_without_the_csrf_header_is_refused(stack: Stack, world: World) -> None:
    session = stack.login()  # a second admin session
    csrf = session.headers.pop("X-CSRF-Token")
    name = unique("csrf")

    refused = session.post(f"{API}/projects", json={"name": name})
    assert refused.status_code == 403, refused.text
    assert "X-CSRF-Token" in refused.json()["detail"]
    wrong = session.post(f"{API}/projects", json={"name": name}, headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    # Forwarded routes are guarded by the gateway too.
    cred = {"project_id": world.a, "name": name, "username": "root", "auth_type": "password", "password": "Pw-12345678"}
    assert session.post(f"{API}/credentials", json=cred).status_code == 403
    assert session.post(f"{API}/auth/tokens", json={"name": name}).status_code == 403

    names = [p["name"] for p in session.get(f"{API}/projects", params={"limit": 500}).json()["items"]]
    assert name not in names
    assert world.admin.client.get(f"{API}/credentials", params={"project_id": world.a, "q": name}).json()["total"] == 0
    assert name not in [t["name"] for t in session.get(f"{API}/auth/tokens").json()["items"]]
    # Reads need no CSRF header; with it the same call works.
    assert session.get(f"{API}/auth/me").status_code == 200
    assert session.post(f"{API}/projects", json={"name": name}, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_logout_ends_the_session_on_the_server(stack: Stack, world: World) -> None:
    username, password = world.outsider.username, world.outsider.password
    session = stack.login(username, password)
    cookie = session.cookies["ko_session"]
    assert session.get(f"{API}/auth/me").status_code == 200
    r = session.post(f"{API}/auth/logout")
    assert r.status_code == 204, r.text
    # Replaying the old cookie (a browser that ignored the deletion) no longer works.
    replay = httpx.get(stack.url + f"{API}/auth/me", headers={"Cookie": f"ko_session={cookie}"})
    assert replay.status_code == 401, replay.text


def test_api_tokens_are_shown_once_work_without_csrf_and_stop_working_when_revoked(stack: Stack, world: World) -> None:
    username, password = world.ro.username, world.ro.password
    session = stack.login(username, password)
    created = session.post(f"{API}/auth/tokens", json={"name": "ci pipeline", "expires_in_days": 30})
    assert created.status_code == 201, created.text
    token, token_id = created.json()["token"], created.json()["id"]
    assert token.startswith("ko_") and len(token) > 30
    assert created.json()["prefix"] == token[:10]

    listing = session.get(f"{API}/auth/tokens")
    assert token not in listing.text and token[10:] not in listing.text
    (mine,) = [t for t in listing.json()["items"] if t["id"] == token_id]
    assert "token" not in mine and "token_hash" not in mine
    assert mine["prefix"] == token[:10] and mine["name"] == "ci pipeline" and mine["revoked_at"] is None

    bearer = stack.client(token)
    assert bearer.get(f"{API}/auth/me").json()["username"] == username
    # A bearer call is not a browser call: no CSRF header needed to mutate.
    other = bearer.post(f"{API}/auth/tokens", json={"name": "made-by-token"})
    assert other.status_code == 201, other.text

    assert session.delete(f"{API}/auth/tokens/{token_id}").status_code == 204
    assert bearer.get(f"{API}/auth/me").status_code == 401
    assert bearer.post(f"{API}/auth/tokens", json={"name": "after-revoke"}).status_code == 401
    (revoked,) = [t for t in session.get(f"{API}/auth/tokens").json()["items"] if t["id"] == token_id]
    assert revoked["revoked_at"] is not None
    # Someone else's token cannot be revoked by id.
    assert world.pm.client.delete(f"{API}/auth/tokens/{other.json()['id']}").status_code == 404
    assert stack.client(other.json()["token"]).get(f"{API}/auth/me").status_code == 200


def test_the_gateway_database_holds_only_digests_and_argon2_hashes(stack: Stack, world: World) -> None:
    username, password = world.outsider.username, world.outsider.password
    login = _login(stack, username, password)
    cookie, csrf = login.cookies["ko_session"], login.json()["csrf_token"]
    made = httpx.post(
        stack.url + f"{API}/auth/tokens",
        json={"name": "raw"},
        headers={"Cookie": f"ko_session={cookie}", "X-CSRF-Token": csrf},
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]

    db_path = stack.data_dir / "gateway.db"
    digest = {s: hashlib.sha256(s.encode()).hexdigest() for s in (cookie, csrf, token)}
    assert query(
        db_path, "SELECT count(*) FROM sessions WHERE token_hash = ? AND csrf_hash = ?", digest[cookie], digest[csrf]
    ) == [(1,)]
    assert query(db_path, "SELECT prefix FROM api_tokens WHERE token_hash = ?", digest[token]) == [(token[:10],)]
    hashes = query(db_path, "SELECT username, password_hash FROM users")
    assert hashes and all(h.startswith("$argon2id$") for _, h in hashes), hashes

    raw = b"".join(raw_databases(stack.data_dir).values())
    for secret in (cookie, csrf, token, token[3:], password):
        assert secret.encode() not in raw


def test_password_change_needs_the_current_password(stack: Stack, world: World) -> None:
    _, username, password = world.new_user("chpw")
    session = stack.login(username, password)
    other_session = stack.login(username, password)
    new = "New-" + password

    wrong = session.post(f"{API}/auth/password", json={"current_password": password + "x", "new_password": new})
    assert wrong.status_code == 400, wrong.text
    assert wrong.json()["field"] == "current_password"
    assert "current_password" in wrong.json()["detail"]
    missing = session.post(f"{API}/auth/password", json={"new_password": new})
    assert missing.status_code == 422
    assert "current_password" in {f["field"] for f in missing.json()["fields"]}
    weak = session.post(f"{API}/auth/password", json={"current_password": password, "new_password": "short"})
    assert weak.status_code == 422
    assert _login(stack, username, password).status_code == 200  # unchanged so far

    ok = session.post(f"{API}/auth/password", json={"current_password": password, "new_password": new})
    assert ok.status_code == 204, ok.text
    assert _login(stack, username, password).status_code == 401
    assert _login(stack, username, new).status_code == 200
    assert other_session.get(f"{API}/auth/me").status_code == 401


def test_first_start_without_an_admin_password_generates_one(tmp_path: Path) -> None:
    """The compose/.env default: KO_ADMIN_PASSWORD empty. A separate, short-lived stack on its own NATS."""
    nats = start_nats(tmp_path / "nats")
    try:
        fresh = start_stack(tmp_path / "data", nats.url, extra_env={"KO_ADMIN_PASSWORD": ""})
        try:
            path = fresh.data_dir / "initial-admin-password"
            assert path.is_file()
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            password = path.read_text().strip()
            assert len(password) >= 16

            r = _login(fresh, "admin", password)
            assert r.status_code == 200, r.text
            assert r.json()["user"]["is_admin"] is True

            printed = fresh.output.read_text()
            assert printed.count(password) == 1, printed
            for log in sorted((fresh.data_dir / "logs").glob("*.log")):
                assert password not in log.read_text(errors="replace"), log.name
            assert password.encode() not in b"".join(raw_databases(fresh.data_dir).values())
        finally:
            fresh.stop()
    finally:
        nats.stop()
