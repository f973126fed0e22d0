"""Local receivers standing in for the public DingTalk and WeCom robot endpoints (and a generic webhook).

The real endpoints (https://oapi.dingtalk.com/robot/send, https://qyapi.weixin.qq.com/cgi-bin/webhook/send)
cannot be reached from the test machines, so these check what those endpoints check, as their
documentation describes them, and answer the way they answer:

- DingTalk: the access_token; when the robot signs, ``timestamp`` (ms, within an hour) and
  ``sign = base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}"))`` as query parameters; a markdown
  message with a title and a text. Answers HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``, or
  310000 (bad signature), 300001 (unknown token), 40035 (bad payload), 130101 (over 20 a minute).
- WeCom: the key; markdown content of at most 4,096 bytes of UTF-8 (else errcode 40058), 45009
  over 20 a minute.
- Webhook: ``X-KO-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` over the exact body bytes and an
  ``X-KO-Timestamp``; 401 when they do not match.

A test can script the next answers (``answer_next``: a 500, a 429, an errcode) and reads what was
accepted from ``accepted`` (and every request from ``received``). The product never imports this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

Kind = Literal["dingtalk", "wecom", "webhook"]
WECOM_MAX_BYTES = 4096


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int
    answer: dict[str, Any]
    at: float  # time.monotonic() when it arrived

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class RobotReceiver:
    kind: Kind
    secret: str | None = None
    token: str = "t0ken-only-in-tests-0123456789abcdef"
    per_minute: int = 20  # the real robots' limit; beyond it they refuse with an errcode
    window: float = 60.0  # seconds the limit counts in (a test shortens it along with the product's)
    received: list[Received] = field(default_factory=list)
    _script: deque[tuple[int, dict[str, Any]]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _accepted_at: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    status, answer = receiver._answer(parts.path, query, headers, body)
                    receiver.received.append(
                        Received(parts.path, query, headers, body, status, answer, time.monotonic())
                    )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        port = self.server.server_address[1]
        if self.kind == "dingtalk":
            return f"http://127.0.0.1:{port}/robot/send?access_token={self.token}"
        if self.kind == "wecom":
            return f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={self.token}"
        return f"http://127.0.0.1:{port}/hooks/{self.token}"

    def answer_next(self, status: int, answer: dict[str, Any] | None = None) -> None:
        """Answer the next request with ``status`` and ``answer`` whatever it holds (after checking nothing)."""
        self._script.append((status, answer if answer is not None else {"error": f"scripted {status}"}))

    @property
    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.status == 200 and r.answer.get("errcode", 0) == 0]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _answer(
        self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        if self._script:
            return self._script.popleft()
        if self.kind == "webhook":
            return self._webhook(path, headers, body)
        ok: tuple[int, dict[str, Any]] = (200, {"errcode": 0, "errmsg": "ok"})
        token = query.get("access_token" if self.kind == "dingtalk" else "key")
        if token != self.token:
            return 200, {"errcode": 300001 if self.kind == "dingtalk" else 93000, "errmsg": "token is not exist"}
        if self.kind == "dingtalk" and self.secret is not None and not self._signed(query):
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        try:
            payload = json.loads(body)
            markdown = payload["markdown"]
            if payload["msgtype"] != "markdown":
                raise KeyError("msgtype")
            text = markdown["text"] if self.kind == "dingtalk" else markdown["content"]
            if self.kind == "dingtalk" and not markdown["title"]:
                raise KeyError("title")
        except (ValueError, KeyError, TypeError):
            return 200, {"errcode": 40035, "errmsg": "invalid parameter"}
        if self.kind == "wecom" and len(text.encode()) > WECOM_MAX_BYTES:
            return 200, {"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"}
        now = time.monotonic()
        recent = [t for t in self._accepted_at if now - t < self.window]
        if len(recent) >= self.per_minute:
            return 200, {"errcode": 130101 if self.kind == "dingtalk" else 45009, "errmsg": "send too fast"}
        self._accepted_at = [*recent, now]
        return ok

    def _signed(self, query: dict[str, str]) -> bool:
        assert self.secret is not None
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
            return False
        digest = hmac.new(self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256).digest()
        return hmac.compare_digest(base64.b64encode(digest).decode(), sign)

    def _webhook(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        if path != f"/hooks/{self.token}":
            return 404, {"error": "no such hook"}
        assert self.secret is not None
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-ko-signature", ""), expected):
            return 401, {"error": "bad signature"}
        if not headers.get("x-ko-timestamp", "").isdigit():
            return 400, {"error": "no timestamp"}
        return 200, {"received": True}
