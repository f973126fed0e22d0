"""The credentials API served for real, on SQLite and PostgreSQL, called as the gateway would."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from ko_common.db import Database
from ko_common.identity import HEADER
from ko_inventory.credentials import service
from tests.inventory.support import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    Inventory,
    ed25519_openssh,
    fields,
    rsa_encrypted_pem,
    ssh_keygen_fingerprint,
)

URL = "/api/v1/credentials"
SECRET_FIELDS = {"password", "private_key", "passphrase", "password_enc", "private_key_enc", "passphrase_enc"}
PASSWORD = "Pa55-w0rd-only-in-tests"


def password_body(name: str = "root-pw", project: str = "p1", **extra: Any) -> dict[str, Any]:
    return {
        "project_id": project,
        "name": name,
        "username": "root",
        "auth_type": "password",
        "password": PASSWORD,
    } | extra


def create(inv: Inventory, body: dict[str, Any], who: Any = ALICE) -> dict[str, Any]:
    resp = inv.call("POST", URL, who, json=body)
    assert resp.status_code == 201, resp.text
    out: dict[str, Any] = resp.json()
    assert not SECRET_FIELDS & set(out)
    return out


def test_password_credential_lifecycle(inventory: Inventory) -> None:
    made = create(inventory, password_body(description="login of the lab hosts"))
    assert made["has_password"] and not made["has_private_key"] and not made["has_passphrase"]
    assert (made["project_id"], made["name"], made["username"], made["key_fingerprint"]) == (
        "p1",
        "root-pw",
        "root",
        None,
    )
    path = f"{URL}/{made['id']}"
    assert inventory.call("GET", path, ALICE).json() == made

    listed = inventory.call("GET", URL, ALICE, params={"project_id": "p1"}).json()
    assert (listed["total"], listed["limit"], listed["offset"]) == (1, 50, 0)
    assert listed["items"] == [made]
    assert inventory.call("GET", URL, ALICE, params={"q": "LAB"}).json()["total"] == 1
    assert inventory.call("GET", URL, ALICE, params={"q": "nothing-like-it"}).json()["total"] == 0
    assert inventory.call("GET", URL, ALICE, params={"q": "%"}).json()["total"] == 0

    patched = inventory.call("PATCH", path, ALICE, json={"description": "new", "username": "ops"})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["description"], patched.json()["username"], patched.json()["has_password"]) == (
        "new",
        "ops",
        True,
    )
    renamed = inventory.call("PATCH", path, ALICE, json={"name": "ops-pw", "password": "another-pa55word"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "ops-pw"

    assert inventory.call("DELETE", path, ALICE).status_code == 204
    assert inventory.call("GET", path, ALICE).status_code == 404
    assert inventory.call("DELETE", path, ALICE).status_code == 404
    assert inventory.call("GET", URL, ALICE).json()["total"] == 0


async def test_key_credentials_and_reveal(inventory: Inventory, tmp_path: Path) -> None:
    ed = ed25519_openssh()
    plain = create(
        inventory,
        {"project_id": "p1", "name": "ed", "username": "ubuntu", "auth_type": "private_key", "private_key": ed},
    )
    assert plain["has_private_key"] and not plain["has_password"] and not plain["has_passphrase"]
    rsa_key = rsa_encrypted_pem("correct horse")
    body = {"project_id": "p1", "name": "rsa", "username": "centos", "auth_type": "private_key"}
    locked = create(inventory, body | {"private_key": rsa_key, "passphrase": "correct horse", "password": ""})
    assert locked["has_passphrase"]
    expected = ssh_keygen_fingerprint(ed, tmp_path), ssh_keygen_fingerprint(rsa_key, tmp_path, "correct horse")
    if expected[0] is not None:
        assert (plain["key_fingerprint"], locked["key_fingerprint"]) == expected

    db = Database(inventory.settings.resolved_database_url, "inventory")
    from ko_common.crypto import SecretBox, attach

    attach(db.sessionmaker, SecretBox.from_settings(inventory.settings))
    try:
        async with db.transaction() as session:
            revealed = await service.reveal(session, locked["id"])
            assert (revealed.private_key, revealed.passphrase, revealed.password) == (rsa_key, "correct horse", None)
            assert revealed.username == "centos" and "correct horse" not in repr(revealed)
            assert (await service.reveal(session, plain["id"])).private_key == ed
    finally:
        await db.dispose()

    path = f"{URL}/{locked['id']}"
    # Secrets re-validated against what is stored: a wrong passphrase alone is refused...
    assert fields(inventory.call("PATCH", path, ALICE, json={"passphrase": "wrong horse"})) == {"passphrase"}
    # ...a new unencrypted key drops the old passphrase...
    swapped = inventory.call("PATCH", path, ALICE, json={"private_key": ed25519_openssh()}).json()
    assert swapped["has_private_key"] and not swapped["has_passphrase"]
    assert swapped["key_fingerprint"] != locked["key_fingerprint"]
    # ...and switching to a password needs one, then clears the key.
    assert fields(inventory.call("PATCH", path, ALICE, json={"auth_type": "password"})) == {"password"}
    to_password = inventory.call("PATCH", path, ALICE, json={"auth_type": "password", "password": PASSWORD}).json()
    assert to_password["has_password"] and not to_password["has_private_key"] and to_password["key_fingerprint"] is None


def test_bad_input_names_the_field_and_stores_nothing(inventory: Inventory) -> None:
    key = ed25519_openssh()
    encrypted = rsa_encrypted_pem("correct horse")
    as_key = {"project_id": "p1", "name": "k", "username": "root", "auth_type": "private_key"}
    cases: list[tuple[dict[str, Any], str]] = [
        (password_body(password=""), "password"),
        (password_body(password=None), "password"),
        (password_body(private_key=key), "private_key"),
        (password_body(auth_type="kerberos"), "auth_type"),
        (password_body(name="has space"), "name"),
        (password_body(name="x" * 65), "name"),
        (password_body(name=""), "name"),
        (password_body(username=" "), "username"),
        (password_body(description="d" * 513), "description"),
        (password_body(extra_field=1), "extra_field"),
        ({k: v for k, v in password_body().items() if k != "project_id"}, "project_id"),
        (as_key, "private_key"),
        (
            as_key | {"private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"},
            "private_key",
        ),
        (as_key | {"private_key": "not a key"}, "private_key"),
        (as_key | {"private_key": key, "password": PASSWORD}, "password"),
        (as_key | {"private_key": key, "passphrase": "unneeded"}, "passphrase"),
        (as_key | {"private_key": encrypted}, "passphrase"),
        (as_key | {"private_key": encrypted, "passphrase": "wrong horse"}, "passphrase"),
        (as_key | {"private_key": "k" * 20000}, "private_key"),
    ]
    for body, field in cases:
        resp = inventory.call("POST", URL, ALICE, json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert field in fields(resp), (field, resp.text)
        assert resp.json()["error"] == "validation_error"
    not_json = inventory.call("POST", URL, ALICE, content=b"{not json", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    assert inventory.call("GET", URL, ADMIN).json()["total"] == 0

    create(inventory, password_body())
    dup = inventory.call("POST", URL, ALICE, json=password_body(password="other-pa55word"))
    assert dup.status_code == 409
    assert dup.json()["error"] == "conflict" and dup.json()["field"] == "name" and dup.json()["detail"]
    other = create(inventory, password_body(name="other"))
    rename = inventory.call("PATCH", f"{URL}/{other['id']}", ALICE, json={"name": "root-pw"})
    assert rename.status_code == 409 and rename.json()["field"] == "name"
    assert inventory.call("GET", URL, ADMIN).json()["total"] == 2
    create(inventory, password_body(project="p3"), who=BOB)  # the same name in another project is fine
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        assert inventory.call("GET", URL, ALICE, params=params).status_code == 422


def test_project_scoping(inventory: Inventory) -> None:
    alices = create(inventory, password_body())
    bobs = create(inventory, password_body(project="p3"), who=BOB)
    path = f"{URL}/{alices['id']}"
    for method in ("GET", "PATCH", "DELETE"):
        resp = inventory.call(method, path, BOB, json={"description": "x"} if method == "PATCH" else None)
        assert resp.status_code == 404, (method, resp.text)
    assert inventory.call("GET", f"{URL}/no-such-id", ADMIN).status_code == 404

    assert inventory.call("GET", path, CAROL).status_code == 200
    assert inventory.call("PATCH", path, CAROL, json={"description": "x"}).status_code == 403
    assert inventory.call("DELETE", path, CAROL).status_code == 403
    assert inventory.call("POST", URL, CAROL, json=password_body(name="carols")).status_code == 403
    # Not a member: answered like a missing project.
    assert inventory.call("POST", URL, BOB, json=password_body(name="bobs")).status_code == 404
    assert inventory.call("POST", URL, ALICE, json=password_body(project="p2")).status_code == 403  # read-only there

    def ids(who: Any, **params: str) -> set[str]:
        resp = inventory.call("GET", URL, who, params=params)
        assert resp.status_code == 200, resp.text
        return {c["id"] for c in resp.json()["items"]}

    assert ids(ALICE) == ids(CAROL) == ids(ALICE, project_id="p1") == {alices["id"]}
    assert ids(BOB) == {bobs["id"]}
    assert ids(ADMIN) == {alices["id"], bobs["id"]}
    assert ids(ADMIN, project_id="p3") == {bobs["id"]}
    assert inventory.call("GET", URL, BOB, params={"project_id": "p1"}).status_code == 404

    assert inventory.call("GET", URL, None).status_code == 401
    forged = httpx.get(inventory.base + URL, headers={HEADER: "not-a-token"})
    assert forged.status_code == 401
    assert inventory.call("GET", path, ALICE).json()["description"] == ""  # nothing changed by refused calls


def test_secrets_never_leave_in_clear(inventory: Inventory, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key, phrase = rsa_encrypted_pem("Passphrase-only-in-tests"), "Passphrase-only-in-tests"
    key_body = key.splitlines()[5]  # a line from the middle of the key
    secrets = [PASSWORD, "Second-pa55word-only-in-tests", phrase, key_body]
    answers = [
        inventory.call("POST", URL, ALICE, json=password_body()),
        inventory.call(
            "POST",
            URL,
            ALICE,
            json={
                "project_id": "p1",
                "name": "key",
                "username": "root",
                "auth_type": "private_key",
                "private_key": key,
                "passphrase": phrase,
            },
        ),
        inventory.call("POST", URL, ALICE, json=password_body(name="refused", private_key=key, passphrase=phrase)),
    ]
    answers.append(inventory.call("PATCH", f"{URL}/{answers[0].json()['id']}", ALICE, json={"password": secrets[1]}))
    answers.append(inventory.call("GET", URL, ALICE))
    answers.append(inventory.call("GET", "/openapi.json", None))

    stored = inventory.raw_database()
    assert b"root-pw" in stored and b"v1:" in stored  # we are looking at the rows
    logged = "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text or ''} {getattr(r, 'fields', '')}" for r in caplog.records
    )
    assert "credential created" in logged
    for secret in secrets:
        for answer in answers:
            assert secret not in answer.text
        assert secret.encode() not in stored, "a secret is stored in clear"
        assert secret not in logged, "a secret reached the logs"
