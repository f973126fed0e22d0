"""Certificates of a cluster without a lab: what the check's playbook hands over is parsed (CERTIFICATE
blocks only, soonest first, CAs marked), stored with the cluster, every check is announced with its
soonest expiry and an event goes out for those expiring within 30 days; the API refuses a check or
renewal on a cluster that is not running.
The playbooks run on a real cluster in test_real_cluster_lab.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from ko_common.db import Database
from ko_deployment.clusters.certificates import parse_node, read_artifacts, store_checked
from ko_deployment.models import OUTBOX
from tests.deployment.test_cluster_workers_api import running_cluster
from tests.deployment.test_clusters_api import RO, URL, World, body, database_url, world

__all__ = ["database_url", "world"]
NOW = dt.datetime(2026, 12, 6, tzinfo=dt.UTC)


def pem(name: str, days: int, ca: bool = False) -> tuple[str, str]:
    """A self-signed certificate valid until NOW + days, and its key (which must never be read)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def test_the_handed_over_files_are_parsed_soonest_first(tmp_path: Path) -> None:
    ca, _ = pem("kubernetes", 3650, ca=True)
    apiserver, _ = pem("kube-apiserver", 365)
    kubelet, _ = pem("system:node:w1", 20)
    folder = tmp_path / "certificates"
    folder.mkdir()
    (folder / "m1.pem").write_text(
        f"### /etc/kubernetes/pki/ca.crt\n{ca}### /etc/kubernetes/pki/apiserver.crt\n{apiserver}"
        "### /etc/kubernetes/pki/empty.crt\n### /etc/kubernetes/pki/broken.crt\n"
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    )
    (folder / "w1.pem").write_text(f"### /var/lib/kubelet/pki/kubelet-client-current.pem\n{kubelet}")
    items = read_artifacts(tmp_path, NOW)
    assert items is not None
    assert [(c.node, c.path.rsplit("/", 1)[1], c.days_left, c.ca) for c in items] == [
        ("w1", "kubelet-client-current.pem", 20, False),
        ("m1", "apiserver.crt", 365, False),
        ("m1", "ca.crt", 3650, True),
    ]
    assert items[0].subject == "CN=system:node:w1"
    assert read_artifacts(tmp_path / "nothing", NOW) is None
    assert parse_node("m1", "no sections", NOW) == []


def test_the_api_shows_none_before_a_check_and_refuses_a_cluster_not_running(world: World) -> None:
    w = world
    c = running_cluster(w)
    shown = w.call("GET", f"{URL}/{c['id']}/certificates", RO)
    assert shown.status_code == 200 and shown.json() == {"checked_at": None, "items": [], "expiring_within_days": 30}
    assert w.call("POST", f"{URL}/{c['id']}/certificates/check", RO).status_code == 403
    r = w.call("POST", f"{URL}/{c['id']}/certificates/check")
    assert r.status_code == 202, r.text
    assert r.json()["operation"]["kind"] == "check-certificates"
    again = w.call("POST", f"{URL}/{c['id']}/certificates/renew")
    assert again.status_code == 409 and r.json()["operation"]["id"] in again.json()["detail"]
    # Cancelled, the cluster is running again but not every cluster is: a failed one is refused.
    assert w.call("POST", f"/api/v1/operations/{r.json()['operation']['id']}/cancel").status_code == 200
    failed = w.call("POST", URL, json=body(w, name="other", nodes=[{"host_id": w.hosts[2], "role": "master"}])).json()
    assert w.call("POST", f"/api/v1/operations/{failed['operation']['id']}/cancel").status_code == 200
    refused = w.call("POST", f"{URL}/{failed['id']}/certificates/renew")
    assert refused.status_code == 409 and "is failed" in refused.json()["detail"]


def test_every_check_announces_its_soonest_expiry_and_a_near_one_as_expiring(world: World, tmp_path: Path) -> None:
    """certificates-checked goes out after every check (the observability service's health judges it);
    certificates-expiring only when one expires within 30 days."""
    w = world
    if not w.dep_sync_url:
        pytest.skip("the deployment database is read directly on SQLite only")
    c = running_cluster(w)
    folder = tmp_path / "certificates"
    folder.mkdir()
    apiserver, _ = pem("kube-apiserver", 365)
    (folder / "m1.pem").write_text(f"### /etc/kubernetes/pki/apiserver.crt\n{apiserver}")

    async def check() -> list[tuple[str, dict[str, object]]]:
        db = Database(w.dep_sync_url.replace("sqlite:", "sqlite+aiosqlite:"), "deployment")
        db.sessionmaker.configure(info={"ko_outbox": OUTBOX, "ko_service": "deployment"})
        try:
            async with db.transaction() as session:
                await store_checked(
                    session,
                    SimpleNamespace(cluster_id=c["id"], kind="check-certificates", status="succeeded"),
                    tmp_path,
                )
            async with db.transaction() as session:
                rows = (await session.execute(select(OUTBOX))).all()
        finally:
            await db.dispose()
        events = [(r.subject, json.loads(r.payload)) for r in rows if "certificates" in r.subject]
        return [(subject, env["data"]) for subject, env in events if env["subject"] == c["id"]]

    sent = asyncio.run(check())
    assert [s for s, _ in sent] == ["ko.deployment.cluster.certificates-checked"]
    data = sent[0][1]
    assert (data["count"], data["expiring"], data["soonest"]["path"]) == (1, 0, "/etc/kubernetes/pki/apiserver.crt")
    assert "PRIVATE" not in json.dumps(sent)
