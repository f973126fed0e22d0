"""Fake vCenter and Keystone login endpoints over HTTPS, standing in for clouds that cannot run here.

Only the login and logout of each API, as their documentation describes them:

- vCenter (vSphere 7+): ``POST /api/session`` with HTTP basic auth answers 201 with the session id as
  a JSON string, 401 for a wrong user or password; ``DELETE /api/session`` with the
  ``vmware-api-session-id`` header ends it (204; 401 for an unknown session). With ``legacy`` (vSphere
  6.7) ``/api/session`` answers 404 and ``/rest/com/vmware/cis/session`` does the same, answering
  200 with ``{"value": <session id>}`` and 200 to the DELETE.
- Keystone v3 under ``prefix`` (``/identity/v3`` as devstack serves it): ``POST <prefix>/auth/tokens``
  with the password method, user and domain by name, scoped to a project by name (or unscoped):
  201 with the token in ``X-Subject-Token``; 401 for a wrong user, password or domain, and, as the real
  Keystone does, for a project it does not know or the user has no role in; ``DELETE`` with
  ``X-Auth-Token`` and ``X-Subject-Token`` revokes (204; 404 for an unknown token).

Each serves TLS with a self-signed certificate made by ``make_certificate`` (trusting it means putting
that file in the trust store). Every request is kept in ``calls`` (method, path, status, whether it
carried a session or token); live sessions and tokens in ``live``. The product never imports this.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import secrets
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

Answer = tuple[int, dict[str, str], Any]


def make_certificate(directory: Path, name: str = "fake-cloud") -> tuple[Path, Path]:
    """(certificate file, key file): self-signed, its own CA, for 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    san = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@dataclass
class Call:
    method: str
    path: str
    status: int
    with_session: bool  # a session id or token was presented (its value is not kept)


@dataclass
class _HttpsFake:
    certificate: tuple[Path, Path]
    calls: list[Call] = field(default_factory=list)
    live: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    status, extra, answer = fake.answer(self.command, self.path, headers, body)
                    presented = "vmware-api-session-id" in headers or "x-subject-token" in headers
                    fake.calls.append(Call(self.command, self.path, status, presented))
                data = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_DELETE = do_GET = _serve

            def log_message(self, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*self.certificate)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def paths(self) -> list[tuple[str, str, int]]:
        with self._lock:
            return [(c.method, c.path, c.status) for c in self.calls]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        raise NotImplementedError


@dataclass
class FakeVCenter(_HttpsFake):
    username: str = "administrator@vsphere.local"
    password: str = "vc-Pa55word-only-in-tests"
    legacy: bool = False  # vSphere 6.7: no /api/session

    @property
    def url(self) -> str:
        return self.base

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        session_path = "/rest/com/vmware/cis/session" if self.legacy else "/api/session"
        if path != session_path:
            return 404, {}, {"error_type": "NOT_FOUND", "messages": []}
        unauthenticated = {"error_type": "UNAUTHENTICATED", "messages": []}
        if method == "POST":
            if not self._basic_ok(headers.get("authorization", "")):
                return 401, {}, unauthenticated
            session = secrets.token_hex(16)
            self.live.add(session)
            return (200, {}, {"value": session}) if self.legacy else (201, {}, session)
        if method == "DELETE":
            session = headers.get("vmware-api-session-id", "")
            if session not in self.live:
                return 401, {}, unauthenticated
            self.live.discard(session)
            return (200, {}, None) if self.legacy else (204, {}, None)
        return 405, {}, None

    def _basic_ok(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return scheme == "Basic" and (user, password) == (self.username, self.password)


@dataclass
class FakeKeystone(_HttpsFake):
    prefix: str = "/identity/v3"
    domain: str = "Default"
    username: str = "ko-admin"
    password: str = "ks-Pa55word-only-in-tests"
    # Projects of the domain the user has a role in: any other is unknown or role-less, answered alike.
    member_of: set[str] = field(default_factory=lambda: {"admin", "demo"})

    @property
    def url(self) -> str:
        return self.base + self.prefix

    def answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        if path != self.prefix + "/auth/tokens":
            return 404, {}, _error(404, "Not Found", "The resource could not be found.")
        if method == "DELETE":
            token = headers.get("x-subject-token", "")
            if headers.get("x-auth-token") not in self.live or token not in self.live:
                return 404, {}, _error(404, "Not Found", "Could not find token.")
            self.live.discard(token)
            return 204, {}, None
        if method != "POST":
            return 405, {}, None
        try:
            auth = json.loads(body)["auth"]
            user = auth["identity"]["password"]["user"]
            scope = auth.get("scope", {}).get("project")
            assert auth["identity"]["methods"] == ["password"]
        except (ValueError, KeyError, TypeError, AssertionError):
            return 400, {}, _error(400, "Bad Request", "Expecting to find auth in request body.")
        unauthorized = _error(401, "Unauthorized", "The request you have made requires authentication.")
        given = (user.get("name"), user.get("domain", {}).get("name"), user.get("password"))
        if given != (self.username, self.domain, self.password):
            return 401, {}, unauthorized
        # Keystone answers an unknown project, or one without a role, as it answers a wrong password.
        if scope is not None and (scope.get("domain", {}).get("name"), scope.get("name")) not in {
            (self.domain, p) for p in self.member_of
        }:
            return 401, {}, unauthorized
        token = "gAAAA" + secrets.token_urlsafe(24)
        self.live.add(token)
        return 201, {"X-Subject-Token": token}, {"token": {"methods": ["password"], "user": {"name": self.username}}}


def _error(code: int, title: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "title": title, "message": message}}
