"""The hosts API without lab hosts, on SQLite and PostgreSQL: what is refused before or without SSH.

The SSH paths against real hosts are in test_hosts_lab.py; here the only address contacted is
loopback, on a port where nothing listens.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from ko_common.db import Database, new_id
from ko_inventory.hosts.models import Host
from tests.inventory.support import ADMIN, ALICE, BOB, CAROL, Inventory, fields

URL = "/api/v1/hosts"


def credential(inv: Inventory, project: str = "p1", who: Any = ALICE) -> str:
    body = {"project_id": project, "name": f"c-{project}", "username": "root", "auth_type": "password",
            "password": "Not-used-here-1"}  # fmt: skip
    r = inv.call("POST", "/api/v1/credentials", who, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def host(**extra: Any) -> dict[str, Any]:
    return {"project_id": "p1", "name": "n1", "ip": "127.0.0.1", "port": closed_port()} | extra


def test_refusals_name_the_field_and_store_nothing(inventory: Inventory) -> None:
    cred = credential(inventory)
    other_project = credential(inventory, "p3", BOB)
    cases = [
        (host(credential_id=cred, ip="10.0.0.256"), 422, {"ip"}),
        (host(credential_id=cred, ip="node1.example"), 422, {"ip"}),
        (host(credential_id=cred, port=0), 422, {"port"}),
        (host(credential_id=cred, name="has space"), 422, {"name"}),
        (host(credential_id="no-such-credential"), 422, {"credential_id"}),
        (host(credential_id=other_project), 422, {"credential_id"}),  # a credential of another project
        (host(credential_id=cred), 422, {"port"}),  # nothing listens: refused connection
        (host(credential_id=cred, project_id="unknown-project"), 404, {"project_id"}),
        (host(credential_id=cred, extra="x"), 422, {"extra"}),
    ]
    for body, status, named in cases:
        r = inventory.call("POST", URL, ALICE, json=body)
        assert (r.status_code, fields(r)) == (status, named), (body, r.text)
        assert r.json()["detail"]
    refused = inventory.call("POST", URL, ALICE, json=host(credential_id=cred)).json()["detail"]
    assert "refused the connection" in refused
    assert inventory.call("GET", URL, ALICE).json()["total"] == 0


def test_roles(inventory: Inventory) -> None:
    cred = credential(inventory)
    assert inventory.call("POST", URL, CAROL, json=host(credential_id=cred)).status_code == 403  # read-only
    assert inventory.call("POST", URL, BOB, json=host(credential_id=cred)).status_code == 404  # not a member
    assert inventory.call("GET", URL, None).status_code == 401
    assert inventory.call("GET", f"{URL}/nope", ALICE).status_code == 404
    assert inventory.call("POST", f"{URL}/checks", ALICE, json={"project_id": "p2"}).status_code == 200  # empty
    assert inventory.call("POST", f"{URL}/checks", ALICE, json={}).status_code == 422


def test_import_refuses_unreadable_files(inventory: Inventory) -> None:
    credential(inventory)

    def send(content: str, kind: str) -> Any:
        return inventory.call(
            "POST", f"{URL}/import", ALICE, params={"project_id": "p1"}, content=content,
            headers={"content-type": kind},
        )  # fmt: skip

    assert send("name,ip\nn,1.2.3.4\n", "text/csv").status_code == 422  # no credential column
    assert fields(send("name,ip,credential,colour\n", "text/csv")) == {"file"}
    assert fields(send("hosts: [1, 2", "application/yaml")) == {"file"}
    assert fields(send("just text", "application/yaml")) == {"file"}
    r = send("[]", "application/json")
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media_type" and "text/csv" in r.json()["detail"]
    r = send("name,ip,credential\na,10.0.0.1,c-p1\na,10.0.0.1,c-p1\n", "text/csv")
    assert r.status_code == 422 and {"rows[2].name", "rows[2].ip"} <= fields(r), r.text
    r = send(f"name,ip,port,credential\nlocal,127.0.0.1,{closed_port()},c-p1\n", "text/csv")
    assert r.status_code == 200, r.text
    assert r.json()["failed"] == 1 and r.json()["rows"][0]["field"] == "port"
    assert inventory.call("GET", URL, ALICE).json()["total"] == 0


def test_import_reports_every_problem_of_every_row(inventory: Inventory) -> None:
    credential(inventory)
    csv = (
        "name,ip,port,credential\n"
        "ok,10.0.0.1,22,c-p1\n"
        "n2,10.0.0.2,70000,no-such\n"  # a bad port behind a bad credential
        "has space,10.0.0.300,,c-p1\n"
        "n4,10.0.0.4,22,,extra\n"  # no credential, and one value too many
    )
    r = inventory.call(
        "POST", f"{URL}/import", ALICE, params={"project_id": "p1"}, content=csv, headers={"content-type": "text/csv"}
    )
    assert r.status_code == 422, r.text
    assert fields(r) == {
        "rows[2].port", "rows[2].credential", "rows[3].name", "rows[3].ip", "rows[4].credential", "rows[4]"
    }, r.text  # fmt: skip
    assert inventory.call("GET", URL, ALICE).json()["total"] == 0


def registered_elsewhere(inv: Inventory, ip: str, port: int) -> None:
    """A host of project p3 (Bob's; Alice cannot see it), stored as a successful registration would."""
    cred = credential(inv, "p3", BOB)

    async def insert() -> None:
        db = Database(inv.settings.resolved_database_url, "inventory")
        try:
            async with db.transaction() as session:
                session.add(
                    Host(id=new_id(), project_id="p3", name="bobs-node", ip=ip, port=port, credential_id=cred,
                         status="ready")
                )  # fmt: skip
        finally:
            await db.dispose()

    asyncio.run(insert())


def test_an_address_taken_in_a_hidden_project_is_refused_without_naming_it(inventory: Inventory) -> None:
    cred = credential(inventory)
    registered_elsewhere(inventory, "127.0.0.1", 2222)
    r = inventory.call("POST", URL, ALICE, json=host(credential_id=cred, port=2222))
    assert r.status_code == 409 and fields(r) == {"ip"}, r.text
    detail = r.json()["detail"]
    assert "127.0.0.1:2222 is already registered" in detail
    assert "p3" not in detail and "bobs-node" not in detail and "another project" not in detail, detail

    csv = "name,ip,port,credential\nmine,127.0.0.1,2222,c-p1\n"
    r = inventory.call(
        "POST", f"{URL}/import", ALICE, params={"project_id": "p1"}, content=csv, headers={"content-type": "text/csv"}
    )
    assert r.status_code == 422 and fields(r) == {"rows[1].ip"}, r.text
    assert "p3" not in r.text and "bobs-node" not in r.text and "another project" not in r.text, r.text

    # Whoever may read the project holding it is told where it is.
    admin_cred = credential(inventory, "p2", ADMIN)
    r = inventory.call("POST", URL, ADMIN, json=host(project_id="p2", credential_id=admin_cred, port=2222))
    assert r.status_code == 409 and "bobs-node" in r.json()["detail"] and "p3" in r.json()["detail"], r.text


def test_bodies_are_checked_before_they_are_read(inventory: Inventory) -> None:
    """Malformed JSON names the body with line and column; a wrong media type is 415; too large is 413."""
    r = inventory.call("POST", URL, ALICE, content=b'{"name": "a",}', headers={"content-type": "application/json"})
    assert r.status_code == 422 and fields(r) == {"body"}, r.text
    assert "line 1, column 14" in r.json()["detail"], r.text
    r = inventory.call("POST", URL, ALICE, content=b'{"name": "a"}', headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "application/json" in r.json()["detail"], r.text
    big = b'{"name": "' + b"a" * (2 << 20) + b'"}'
    r = inventory.call("POST", URL, ALICE, content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large", r.text

    def chunks() -> Any:
        yield b"name,ip,port,credential\n"
        for i in range(200_000):  # about 6 MiB, past the 4 MiB upload limit, sent chunked
            yield f"n{i},10.1.{i // 256 % 256}.{i % 256},22,c-p1\n".encode()

    r = inventory.call(
        "POST", f"{URL}/import", ALICE, params={"project_id": "p1"}, content=chunks(),
        headers={"content-type": "text/csv"},
    )  # fmt: skip
    assert r.status_code == 413 and "KO_MAX_UPLOAD_BYTES" in r.json()["detail"], r.text
