"""Email channels against a real SMTP server (aiosmtpd): STARTTLS with AUTH and implicit TLS on a
self-signed certificate trusted through the channel's CA, refusals, retries, secrets kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.observability.deliveries import alert, enqueue, settled
from tests.observability.smtp import PASSWORD, USERNAME, SmtpServer, smtp_server
from tests.observability.support import ALICE, URL, Observability


@pytest.fixture
def starttls(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path, "starttls") as server:
        yield server


def email_body(server: SmtpServer, security: str = "starttls", **config: Any) -> dict[str, Any]:
    settings = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": security,
        "from_address": "kubeoperator@example.com",
        "to": ["ops@example.com", "oncall@example.com"],
        "ca_certificate": server.ca_pem,
    }
    if security == "starttls":
        settings |= {"username": USERNAME, "password": PASSWORD}
    return {"project_id": "p1", "name": "mail", "kind": "email", "config": settings | config}


def test_starttls_with_login(observability: Observability, starttls: SmtpServer) -> None:
    made = observability.create(email_body(starttls))
    assert made["masked"] == {"password": "********"} and "password" not in made["config"]
    assert made["config"]["username"] == USERNAME and made["rate_limit_per_minute"] == 30

    result = observability.call("POST", f"{URL}/{made['id']}/test", ALICE).json()
    assert result["ok"] is True, result
    assert result["delivery"]["answer_status"] == 250
    assert result["delivery"]["answer"].startswith("250 2.0.0 queued as ko-test")
    [session] = starttls.mailbox.sessions
    assert session == {
        "tls": True,
        "authenticated": True,
        "mail_from": "kubeoperator@example.com",
        "rcpt_tos": ["ops@example.com", "oncall@example.com"],
    }
    [mail] = starttls.mailbox.messages
    assert mail["Subject"] == "【KubeOperator】测试消息"
    assert mail["To"] == "ops@example.com, oncall@example.com"

    enqueue(observability, made["id"], [alert("控制平面 kube-apiserver 无法访问")])
    settled(observability, made["id"], 2)
    assert "控制平面 kube-apiserver 无法访问" in starttls.mailbox.messages[1].get_content()
    assert PASSWORD.encode() not in observability.raw_database()


def test_implicit_tls_without_login(observability: Observability, tmp_path: Path) -> None:
    with smtp_server(tmp_path, "tls") as server:
        made = observability.create(email_body(server, "tls") | {"language": "en"})
        result = observability.call("POST", f"{URL}/{made['id']}/test", ALICE).json()
        assert result["ok"] is True, result
        assert server.mailbox.sessions[0]["tls"] is True
        assert server.mailbox.messages[0]["Subject"] == "[KubeOperator] Test message"


def test_wrong_password_fails_without_retry(observability: Observability, starttls: SmtpServer) -> None:
    made = observability.create(email_body(starttls, password="not-the-password"))
    enqueue(observability, made["id"], [alert("disk pressure")])
    [delivery] = settled(observability, made["id"], 1)
    assert (delivery["status"], delivery["attempts"], delivery["answer_status"]) == ("failed", 1, 535)
    assert starttls.mailbox.messages == []


def test_an_untrusted_certificate_is_refused(observability: Observability, starttls: SmtpServer) -> None:
    made = observability.create(email_body(starttls, ca_certificate=None))
    result = observability.call("POST", f"{URL}/{made['id']}/test", ALICE).json()
    assert result["ok"] is False
    assert result["delivery"]["answer"].startswith("the server's certificate is not trusted")
    assert starttls.mailbox.messages == []


def test_a_4xx_reply_is_retried_and_the_mail_arrives_once(observability: Observability, starttls: SmtpServer) -> None:
    starttls.mailbox.replies.append("451 4.3.0 try again later")
    made = observability.create(email_body(starttls))
    enqueue(observability, made["id"], [alert("node-3 NotReady")])
    [delivery] = settled(observability, made["id"], 1)
    assert (delivery["status"], delivery["attempts"], delivery["answer_status"]) == ("delivered", 2, 250)
    assert len(starttls.mailbox.messages) == 1
