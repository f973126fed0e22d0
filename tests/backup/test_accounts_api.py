"""The backup accounts API on a local directory, served for real: admin-only changes, project
sharing, refusals naming the field, events without secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.backup.support import ADMIN, ALICE, BOB, URL, Backup, account_events


def local(name: str, directory: Path | str, **extra: object) -> dict[str, object]:
    return {"name": name, "kind": "local", "directory": str(directory)} | extra


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    path.mkdir()
    return path


def test_local_account_lifecycle(backup: Backup, store: Path) -> None:
    made = backup.create(local("on-disk", store, description="the server's disk", project_ids=["p1", "p3"]))
    assert (made["kind"], made["directory"], made["project_ids"]) == ("local", str(store), ["p1", "p3"])
    assert made["host"] is made["endpoint"] is None and not made["has_secret_key"]
    assert list(store.iterdir()) == [store / ".kubeoperator-probe"]  # the probe came and went
    assert list((store / ".kubeoperator-probe").iterdir()) == []
    path = f"{URL}/{made['id']}"
    assert backup.call("GET", path, ADMIN).json() == made

    renamed = backup.call("PATCH", path, ADMIN, json={"name": "disk", "project_ids": ["p2"]})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["project_ids"]) == ("disk", ["p2"])
    tested = backup.call("POST", f"{path}/test", ADMIN)
    assert tested.status_code == 200 and tested.json()["ok"], tested.text

    assert backup.call("DELETE", path, ADMIN).status_code == 204
    assert backup.call("GET", path, ADMIN).status_code == 404
    events = account_events(backup.settings.nats_url, made["id"])
    assert [subject for subject, _ in events] == [f"ko.backup.account.{v}" for v in ("created", "updated", "deleted")]
    assert json.loads(events[1][1])["data"] == {
        "id": made["id"],
        "name": "disk",
        "kind": "local",
        "project_ids": ["p2"],
    }


def test_unwritable_or_missing_directory_is_refused_and_nothing_stored(
    backup: Backup, store: Path, unwritable: Path
) -> None:
    detail = backup.refused(local("ro", unwritable), "directory")
    assert str(unwritable) in detail and "not writable" in detail
    detail = backup.refused(local("gone", store / "nowhere"), "directory")
    assert "does not exist" in detail
    assert backup.refused(local("rel", "relative/dir"), "directory")
    assert backup.call("GET", URL, ADMIN).json()["total"] == 0

    made = backup.create(local("ok", store))
    path = f"{URL}/{made['id']}"
    backup.refused({"directory": str(unwritable)}, "directory", "PATCH", path)
    assert backup.call("GET", path, ADMIN).json()["directory"] == str(store)  # the refused edit left it
    (store / "sub").mkdir()
    moved = backup.call("PATCH", path, ADMIN, json={"directory": str(store / "sub")})
    assert moved.status_code == 200 and moved.json()["directory"] == str(store / "sub")


def test_fields_of_another_kind_and_missing_ones_are_named_at_once(backup: Backup, store: Path) -> None:
    resp = backup.call("POST", URL, ADMIN, json={"name": "mixed", "kind": "local", "bucket": "bkt", "host": "h"})
    assert resp.status_code == 422
    named = {f["field"] for f in resp.json()["fields"]}
    assert named == {"bucket", "host", "directory"}
    resp = backup.call("POST", URL, ADMIN, json={"name": "s", "kind": "s3", "endpoint": "ftp://x", "bucket": "B"})
    assert {f["field"] for f in resp.json()["fields"]} == {"endpoint", "bucket"}
    backup.create(local("dup", store))
    again = backup.call("POST", URL, ADMIN, json=local("dup", store))
    assert again.status_code == 409 and again.json()["field"] == "name"


def test_only_admins_change_accounts_and_members_see_those_shared_with_them(backup: Backup, store: Path) -> None:
    for who in (ALICE, BOB):
        refused = backup.call("POST", URL, who, json=local("mine", store, project_ids=["p1"]))
        assert refused.status_code == 403, refused.text
    shared = backup.create(local("shared", store, project_ids=["p1", "p9"]))
    private = backup.create(local("private", store, project_ids=["p9"]))

    listed = backup.call("GET", URL, ALICE).json()
    assert [a["name"] for a in listed["items"]] == ["shared"]
    assert listed["items"][0]["project_ids"] == ["p1"]  # not the other projects it is shared with
    assert backup.call("GET", URL, ALICE, params={"project_id": "p2"}).json()["total"] == 0
    assert backup.call("GET", URL, ALICE, params={"project_id": "p9"}).status_code == 404
    assert backup.call("GET", URL, BOB).json()["total"] == 0
    assert backup.call("GET", f"{URL}/{shared['id']}", ALICE).status_code == 200
    assert backup.call("GET", f"{URL}/{private['id']}", ALICE).status_code == 404
    assert backup.call("GET", URL, ADMIN).json()["total"] == 2
    assert backup.call("GET", URL, ADMIN, params={"project_id": "p9"}).json()["total"] == 2

    for method, suffix in (("PATCH", ""), ("DELETE", ""), ("POST", "/test")):
        resp = backup.call(method, f"{URL}/{shared['id']}{suffix}", ALICE, json={"description": "x"})
        assert resp.status_code == 403, (method, resp.text)
    assert backup.call("GET", URL, None).status_code == 401
