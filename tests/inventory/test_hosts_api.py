"""The hosts API without lab hosts, on SQLite and PostgreSQL: what is refused before or without SSH.

The SSH paths against real hosts are in test_hosts_lab.py; here the only address contacted is
loopback, on a port where nothing listens.
"""

from __future__ import annotations

import socket
from typing import Any

from tests.inventory.support import ALICE, BOB, CAROL, Inventory, fields

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
    assert send("[]", "application/json").status_code == 400
    r = send("name,ip,credential\na,10.0.0.1,c-p1\na,10.0.0.1,c-p1\n", "text/csv")
    assert r.status_code == 422 and {"rows[2].name", "rows[2].ip"} <= fields(r), r.text
    r = send(f"name,ip,port,credential\nlocal,127.0.0.1,{closed_port()},c-p1\n", "text/csv")
    assert r.status_code == 200, r.text
    assert r.json()["failed"] == 1 and r.json()["rows"][0]["field"] == "port"
    assert inventory.call("GET", URL, ALICE).json()["total"] == 0
