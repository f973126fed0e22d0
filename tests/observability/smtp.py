"""A real SMTP server for the email tests: aiosmtpd, with STARTTLS or implicit TLS on a self-signed
certificate (for 127.0.0.1 and localhost) and AUTH; it keeps every message it accepted."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.procs import free_port

USERNAME, PASSWORD = "ko-mailer", "smtp-Pa55word-only-in-tests"


def self_signed(directory: Path) -> tuple[Path, Path, str]:
    """(certificate file, key file, certificate PEM) for 127.0.0.1 and localhost, its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ko test smtp")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    cert_file, key_file = directory / "smtp.crt", directory / "smtp.key"
    cert_file.write_text(pem)
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file, pem


@dataclass
class Mailbox:
    """What the server accepted, and replies to give before accepting (e.g. a 451)."""

    messages: list[EmailMessage] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    replies: deque[str] = field(default_factory=deque)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.replies:
            return self.replies.popleft()
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        self.sessions.append(
            {
                # session.ssl is set by STARTTLS only; an implicit-TLS transport carries its ssl object
                "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
                "authenticated": session.authenticated,
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
            }
        )
        return "250 2.0.0 queued as ko-test"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers the 535 itself


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    ca_pem: str


@contextmanager
def smtp_server(directory: Path, security: str) -> Iterator[SmtpServer]:
    """``security``: starttls (required, with AUTH required) or tls (implicit TLS, no AUTH)."""
    cert_file, key_file, pem = self_signed(directory)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    mailbox, port = Mailbox(), free_port()
    kwargs: dict[str, Any]
    if security == "starttls":
        kwargs = {
            "tls_context": context,
            "require_starttls": True,
            "auth_required": True,
            "auth_require_tls": True,
            "authenticator": _authenticate,
        }
    else:
        kwargs = {"ssl_context": context, "server_hostname": "localhost"}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(port, mailbox, pem)
    finally:
        controller.stop()
