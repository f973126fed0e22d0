"""SFTP accounts against a real OpenSSH sshd on loopback: the host key must match, the login must work,
the directory must be writable; secrets never come back nor sit in the database in clear."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.backup.servers import SFTP_PASSWORD, SFTP_USER, Sshd
from tests.backup.support import ADMIN, URL, Backup, account_events, ed25519_openssh, public_line


def sftp(sshd: Sshd, name: str = "sftp", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "sftp",
        "host": "127.0.0.1",
        "port": sshd.port,
        "username": SFTP_USER,
        "password": SFTP_PASSWORD,
        "directory": sshd.writable,
        "host_key": f"[127.0.0.1]:{sshd.port} {sshd.host_key}",  # a known_hosts line, as ssh-keyscan prints it
    } | extra


def test_password_and_key_logins_are_tested_and_secrets_stay_hidden(backup: Backup, sshd: Sshd, sftp_key: str) -> None:
    made = backup.create(sftp(sshd, project_ids=["p1"]))
    assert (made["has_password"], made["has_private_key"], made["port"]) == (True, False, sshd.port)
    assert made["host_key"] == " ".join(sshd.host_key.split()[:2])
    assert made["host_key_fingerprint"].startswith("SHA256:")
    assert list(Path(sshd.writable, ".kubeoperator-probe").iterdir()) == []

    switched = backup.call("PATCH", f"{URL}/{made['id']}", ADMIN, json={"private_key": sftp_key})
    assert switched.status_code == 200, switched.text
    assert (switched.json()["has_password"], switched.json()["has_private_key"]) == (False, True)
    assert backup.call("POST", f"{URL}/{made['id']}/test", ADMIN).status_code == 200

    raw = backup.raw_database()
    assert SFTP_PASSWORD.encode() not in raw
    assert sftp_key.split("\n")[1].encode() not in raw
    for text in (backup.call("GET", URL, ADMIN).text, backup.call("GET", f"{URL}/{made['id']}", ADMIN).text):
        assert SFTP_PASSWORD not in text and "PRIVATE KEY" not in text
    for _, envelope in account_events(backup.settings.nats_url, made["id"], expect=2):
        assert SFTP_PASSWORD.encode() not in envelope and b"PRIVATE KEY" not in envelope


def test_unknown_host_key_wrong_password_and_unwritable_directory_are_refused(backup: Backup, sshd: Sshd) -> None:
    other_key = public_line(ed25519_openssh())
    detail = backup.refused(sftp(sshd, host_key=other_key), "host_key")
    assert "does not present the host key given" in detail and "Nothing was sent" in detail
    detail = backup.refused(sftp(sshd, password="not-the-password"), "password")
    assert SFTP_USER in detail and "not-the-password" not in detail
    wrong_key = ed25519_openssh()
    backup.refused(sftp(sshd, password=None, private_key=wrong_key), "private_key")
    detail = backup.refused(sftp(sshd, directory=sshd.read_only), "directory")
    assert "not writable" in detail and sshd.read_only in detail
    backup.refused(sftp(sshd, directory=sshd.writable + "/missing"), "directory")
    backup.refused(sftp(sshd, host_key="not a key"), "host_key")
    backup.refused(sftp(sshd, password=None), "password")
    assert backup.call("GET", URL, ADMIN).json()["total"] == 0
    assert not list(Path(sshd.read_only).iterdir())
