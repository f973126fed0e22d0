"""Credentials' secrets go in through the gateway and never come out: not in answers, files, logs or events."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from tests.support.procs import NatsServer
from tests.support.stack import Stack
from tests.system.helpers import API, World, envelopes, fields_named, raw_databases, stream_messages, unique

URL = f"{API}/credentials"
CREATED = "kubeoperator.inventory.credential.created.v1"


def _body_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def _ed25519() -> str:
    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def _encrypted_rsa(passphrase: str) -> str:
    """An RSA key in OpenSSH format encrypted with ``passphrase`` (bcrypt KDF, as ssh-keygen writes it)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = serialization.BestAvailableEncryption(passphrase.encode())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption).decode()


def _distinctive_lines(key: str, same_kind: str) -> list[str]:
    """Key lines that carry this key's material (lines every key of the kind shares are left out)."""
    common = set(_body_lines(same_kind))
    return [line for line in _body_lines(key) if line not in common]


class Secrets:
    def __init__(self) -> None:
        self.password = "Pw-" + uuid.uuid4().hex + "-Zx!"
        self.new_password = "Pw2-" + uuid.uuid4().hex + "-Qy#"
        self.passphrase = "Phrase " + uuid.uuid4().hex
        self.ed25519 = _ed25519()
        self.rsa = _encrypted_rsa(self.passphrase)
        self.values = [self.password, self.new_password, self.passphrase]
        self.values += _distinctive_lines(self.ed25519, _ed25519())
        self.values += _distinctive_lines(self.rsa, _encrypted_rsa("other " + self.passphrase))
        assert len(self.values) > 20

    def found_in(self, text: str | bytes) -> list[str]:
        data = text.encode() if isinstance(text, str) else text
        # Also as JSON would escape them (e.g. inside an event payload).
        return [s[:24] for s in self.values if s.encode() in data or json.dumps(s)[1:-1].encode() in data]


@pytest.fixture(scope="module")
def secrets() -> Secrets:
    return Secrets()


@pytest.fixture(scope="module")
def made(world: World, secrets: Secrets) -> dict[str, Any]:
    """The credentials, created by the project manager of A, and every answer the API gave about them."""
    pm = world.pm.client
    answers: list[httpx.Response] = []
    password = pm.post(
        URL,
        json={
            "project_id": world.a,
            "name": unique("pw"),
            "username": "root",
            "auth_type": "password",
            "password": secrets.password,
        },
    )
    plain_key = pm.post(
        URL,
        json={
            "project_id": world.a,
            "name": unique("ed25519"),
            "username": "deploy",
            "auth_type": "private_key",
            "private_key": secrets.ed25519,
        },
    )
    encrypted_key = pm.post(
        URL,
        json={
            "project_id": world.a,
            "name": unique("rsa"),
            "username": "ops",
            "auth_type": "private_key",
            "private_key": secrets.rsa,
            "passphrase": secrets.passphrase,
        },
    )
    for r in (password, plain_key, encrypted_key):
        assert r.status_code == 201, r.text
        answers.append(r)
    ids = [r.json()["id"] for r in answers]
    for cid in ids:
        answers.append(pm.get(f"{URL}/{cid}"))
        answers.append(world.ro.client.get(f"{URL}/{cid}"))
    answers.append(pm.get(URL, params={"project_id": world.a, "limit": 200}))
    answers.append(world.admin.client.get(URL, params={"limit": 200}))
    answers.append(pm.patch(f"{URL}/{ids[0]}", json={"password": secrets.new_password, "description": "rotated"}))
    answers.append(pm.patch(f"{URL}/{ids[2]}", json={"description": "key kept", "passphrase": secrets.passphrase}))
    answers.append(pm.get(f"{URL}/{ids[0]}"))
    for r in answers:
        assert r.status_code in (200, 201), r.text
    return {"ids": ids, "answers": answers, "by_id": {r.json()["id"]: r.json() for r in answers[:3]}}


def test_the_answers_describe_the_credentials_without_their_secrets(made: dict[str, Any], secrets: Secrets) -> None:
    for r in made["answers"]:
        assert not secrets.found_in(r.content), (r.request.method, r.request.url, secrets.found_in(r.content))
    password, plain_key, encrypted_key = (made["by_id"][i] for i in made["ids"])
    assert (password["has_password"], password["has_private_key"], password["key_fingerprint"]) == (True, False, None)
    assert (plain_key["has_private_key"], plain_key["has_passphrase"]) == (True, False)
    assert (encrypted_key["has_private_key"], encrypted_key["has_passphrase"]) == (True, True)
    for cred in (plain_key, encrypted_key):
        assert cred["key_fingerprint"].startswith("SHA256:")
    for cred in (password, plain_key, encrypted_key):
        assert not {"password", "private_key", "passphrase"} & set(cred)


def test_no_database_file_of_any_service_holds_a_secret(stack: Stack, made: dict[str, Any], secrets: Secrets) -> None:
    files = raw_databases(stack.data_dir)
    assert {"inventory.db", "gateway.db", "deployment.db", "backup.db"} <= set(files)
    leaks = {name: secrets.found_in(data) for name, data in files.items() if secrets.found_in(data)}
    assert not leaks
    # The credentials are really there (encrypted), not missing.
    assert all(cid.encode() in files["inventory.db"] + files.get("inventory.db-wal", b"") for cid in made["ids"])


def test_no_log_holds_a_secret(stack: Stack, made: dict[str, Any], secrets: Secrets) -> None:
    logs = stack.logs()
    assert "credential created" in logs
    assert not secrets.found_in(logs)


def test_the_events_on_nats_carry_no_secret(
    stack: Stack, world: World, made: dict[str, Any], secrets: Secrets, nats_server: NatsServer
) -> None:
    ids = set(made["ids"])

    def all_created(messages: list[tuple[int, str, bytes]]) -> bool:
        seen = {env.get("subject") for _, env in envelopes(messages) if env.get("type") == CREATED}
        return ids <= seen

    # The whole stream from its start: every test of the session publishes on it, so allow it time.
    messages = asyncio.run(stream_messages(stack.nats_url, until=all_created, timeout=60.0))
    assert all_created(messages), "the created events did not all arrive on KO_EVENTS"
    for seq, subject, data in messages:
        assert not secrets.found_in(data), (seq, subject, secrets.found_in(data))
    created = [env for _, env in envelopes(messages) if env.get("type") == CREATED and env["subject"] in ids]
    assert len(created) == 3
    for env in created:
        assert env["projectid"] == world.a
        assert env["source"] == "ko/inventory"
        assert set(env["data"]) == {"id", "project_id", "name", "username", "auth_type"}
    # The NATS server's own files (its JetStream store) hold no secret either.
    for path in nats_server.store.rglob("*"):
        if path.is_file():
            assert not secrets.found_in(path.read_bytes()), path


def _valid(world: World, **overrides: Any) -> dict[str, Any]:
    body = {
        "project_id": world.a,
        "name": unique("bad"),
        "username": "root",
        "auth_type": "password",
        "password": "Pw-" + uuid.uuid4().hex,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    stack: Stack, world: World, made: dict[str, Any], secrets: Secrets
) -> None:
    pm = world.pm.client
    before = pm.get(URL, params={"project_id": world.a, "limit": 200}).json()
    existing = made["by_id"][made["ids"][0]]["name"]
    other_key = _encrypted_rsa("right " + secrets.passphrase)
    cases: list[tuple[str, httpx.Response, set[int], str | None]] = [
        ("empty password", pm.post(URL, json=_valid(world, password="")), {422}, "password"),
        ("no password", pm.post(URL, json=_valid(world, password=None)), {422}, "password"),
        (
            "malformed key",
            pm.post(
                URL,
                json=_valid(
                    world,
                    auth_type="private_key",
                    password=None,
                    private_key="-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----",
                ),
            ),
            {422},
            "private_key",
        ),
        (
            "wrong passphrase",
            pm.post(
                URL,
                json=_valid(
                    world, auth_type="private_key", password=None, private_key=other_key, passphrase=secrets.passphrase
                ),
            ),
            {422},
            "passphrase",
        ),
        (
            "encrypted key without passphrase",
            pm.post(URL, json=_valid(world, auth_type="private_key", password=None, private_key=secrets.rsa)),
            {422},
            "passphrase",
        ),
        ("duplicate name", pm.post(URL, json=_valid(world, name=existing)), {409}, "name"),
        ("unknown project", pm.post(URL, json=_valid(world, project_id=str(uuid.uuid4()))), {403, 404}, "project_id"),
        ("foreign project", pm.post(URL, json=_valid(world, project_id=world.b)), {403, 404}, "project_id"),
        ("huge name", pm.post(URL, json=_valid(world, name="n" * 100_000)), {413, 422}, "name"),
        ("bad name", pm.post(URL, json=_valid(world, name="has spaces")), {422}, "name"),
        ("huge password", pm.post(URL, json=_valid(world, password="p" * 20_000)), {413, 422}, "password"),
        ("unknown auth type", pm.post(URL, json=_valid(world, auth_type="kerberos")), {422}, "auth_type"),
        ("unknown field", pm.post(URL, json=_valid(world, secret="x")), {422}, "secret"),
        ("a list", pm.post(URL, content=b"[1, 2, 3]", headers={"Content-Type": "application/json"}), {422}, None),
        ("a string", pm.post(URL, content=b'"name"', headers={"Content-Type": "application/json"}), {422}, None),
        ("null", pm.post(URL, content=b"null", headers={"Content-Type": "application/json"}), {422}, None),
        ("not JSON", pm.post(URL, content=b"{name: 1", headers={"Content-Type": "application/json"}), {422}, None),
    ]
    problems = []
    for what, r, statuses, field in cases:
        if r.status_code not in statuses:
            problems.append(f"{what}: {r.status_code} (expected {sorted(statuses)}): {r.text[:300]}")
            continue
        body = r.json()
        if not (body.get("error") and body.get("detail")):
            problems.append(f"{what}: not an error document: {r.text[:300]}")
        if field is not None and r.status_code != 413 and field not in fields_named(r):
            problems.append(f"{what}: does not name {field}: {r.text[:300]}")
        if secrets.found_in(r.content) or b"not a key" in r.content:
            problems.append(f"{what}: the answer echoes the input: {r.text[:300]}")
    assert not problems, "\n".join(problems)

    after = pm.get(URL, params={"project_id": world.a, "limit": 200}).json()
    assert after["total"] == before["total"]
    assert {c["id"] for c in after["items"]} == {c["id"] for c in before["items"]}
    assert world.admin.client.get(URL, params={"project_id": world.b, "q": "bad-"}).json()["total"] == 0
    assert "Traceback" not in stack.logs()


def test_an_admin_cannot_create_a_credential_in_a_project_that_does_not_exist(world: World) -> None:
    """An admin's typo in project_id must not make an orphan credential that no project lists."""
    missing = str(uuid.uuid4())
    r = world.admin.client.post(URL, json=_valid(world, project_id=missing))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "validation_error"
    assert "project_id" in fields_named(r)
    assert r.json()["detail"] == f"No project {missing}: create it first (or wait a moment if you just did)."
    assert world.admin.client.get(URL, params={"project_id": missing}).json()["total"] == 0


def test_a_credential_can_be_made_in_a_project_right_after_it_was_created(world: World) -> None:
    """Inventory learns a new project from the gateway's event a moment later; a create that quick still works."""
    for _ in range(3):
        project = world.new_project("quick")
        world.new_credential(project)


def test_a_deleted_project_takes_no_new_credentials(world: World) -> None:
    project = world.new_project("short-lived")
    cred = world.new_credential(project)
    # Still owning a credential: the gateway refuses to delete it (it asks inventory first).
    assert world.setup.delete(f"{API}/projects/{project}").status_code == 409
    assert world.admin.client.delete(f"{URL}/{cred['id']}").status_code == 204
    r = world.setup.delete(f"{API}/projects/{project}")
    assert r.status_code == 204, r.text
    # Inventory hears of the deletion a moment later: probe with a body refused either way (no password),
    # which names password while the project is known and project_id once it is not.
    deadline = time.monotonic() + 15
    while True:
        probe = world.admin.client.post(URL, json=_valid(world, project_id=project, password=""))
        assert probe.status_code == 422, probe.text
        if "project_id" in fields_named(probe) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "project_id" in fields_named(probe), probe.text
    refused = world.admin.client.post(URL, json=_valid(world, project_id=project))
    assert refused.status_code == 422, refused.text
    assert "project_id" in fields_named(refused)
