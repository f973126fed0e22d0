"""S3 accounts against a real S3 server (SeaweedFS's gateway on loopback): refusals name the field,
secrets never come back nor sit in the database or the events in clear."""

from __future__ import annotations

from typing import Any

from tests.backup.servers import ADMIN_KEYS, READER_KEYS, SeaweedS3
from tests.backup.support import ADMIN, URL, Backup, account_events
from tests.support.procs import free_port


def s3(seaweed: SeaweedS3, name: str = "s3", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "s3",
        "endpoint": seaweed.endpoint,
        "bucket": "backups",
        "access_key": ADMIN_KEYS.access_key,
        "secret_key": ADMIN_KEYS.secret_key,
    } | extra


def test_s3_account_is_tested_and_its_secret_never_shown(backup: Backup, seaweed: SeaweedS3) -> None:
    made = backup.create(s3(seaweed, project_ids=["p1"]))
    assert (made["region"], made["path_style"], made["verify_tls"], made["has_secret_key"]) == (
        "us-east-1",
        True,
        True,
        True,
    )
    assert made["access_key"] == ADMIN_KEYS.access_key
    assert not [k for k in seaweed.keys("backups") if k.startswith(".kubeoperator-probe")]
    patched = backup.call("PATCH", f"{URL}/{made['id']}", ADMIN, json={"secret_key": ADMIN_KEYS.secret_key})
    assert patched.status_code == 200, patched.text
    backup.refused({"secret_key": "wrong-secret"}, "secret_key", "PATCH", f"{URL}/{made['id']}")
    assert backup.call("POST", f"{URL}/{made['id']}/test", ADMIN).status_code == 200  # the refused edit left it

    secret = ADMIN_KEYS.secret_key
    assert secret.encode() not in backup.raw_database()
    assert secret not in backup.call("GET", URL, ADMIN).text
    assert secret not in patched.text
    for _, envelope in account_events(backup.settings.nats_url, made["id"], expect=2):
        assert secret.encode() not in envelope


def test_bad_s3_accounts_are_refused_naming_the_field(backup: Backup, seaweed: SeaweedS3) -> None:
    assert "no bucket" in backup.refused(s3(seaweed, bucket="no-such-bucket"), "bucket")
    assert "secret key" in backup.refused(s3(seaweed, secret_key="not-the-secret"), "secret_key")
    backup.refused(s3(seaweed, access_key="KONOBODY"), "access_key")
    assert "s3:PutObject" in backup.refused(
        s3(seaweed, access_key=READER_KEYS.access_key, secret_key=READER_KEYS.secret_key), "access_key"
    )
    unreachable = backup.refused(s3(seaweed, endpoint=f"http://127.0.0.1:{free_port()}"), "endpoint")
    assert "cannot be reached" in unreachable
    assert backup.call("GET", URL, ADMIN).json()["total"] == 0
    assert "no-such-bucket" not in [b["Name"] for b in seaweed.client().list_buckets()["Buckets"]]
