"""The sender protocol, the receiver's answer, and the HTTP call the robot and webhook senders share.

A sender turns one rendered message into one request to its receiver and says how it went: delivered,
failed for good, or failed in a way worth retrying (no answer, HTTP 5xx or 429, a robot saying it is
rate limited). It never retries itself (the dispatcher does, with backoff) and never puts a secret
(a URL with its token, a signing secret, a password) into the answer, an exception or a log line.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from ko_observability.channels.templates import Rendered

ANSWER_EXCERPT = 1000  # characters of the receiver's answer kept in the delivery history


class _MaskUrls(logging.Filter):
    """httpx logs each request's full URL at INFO, and a robot's URL holds its token: keep only the host."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_MaskUrls())


@dataclass(frozen=True)
class Answer:
    ok: bool
    retryable: bool
    status: int | None  # HTTP status, or the SMTP reply code
    text: str  # the receiver's answer (an excerpt), or what happened when there was none

    @classmethod
    def of_text(cls, ok: bool, retryable: bool, status: int | None, text: str) -> Answer:
        return cls(ok, retryable, status, text[:ANSWER_EXCERPT])


@dataclass(frozen=True)
class SendContext:
    http: httpx.AsyncClient
    timeout: float


class KindConfig(BaseModel):
    """A kind's settings as stored and sent; the secret ones are SecretStr so no repr shows them."""

    model_config = ConfigDict(extra="forbid")
    secret_fields: ClassVar[tuple[str, ...]] = ()

    def split(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(settings that may be shown, secrets as plain strings to encrypt)."""
        plain = self.model_dump(mode="json", exclude=set(self.secret_fields))
        secrets = {}
        for name in self.secret_fields:
            value = getattr(self, name)
            if value is not None:
                secrets[name] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        return plain, secrets


class Sender(Protocol):
    kind: str
    config_model: type[KindConfig]
    default_rate_per_minute: int
    max_text_bytes: int | None  # what the receiver accepts: merging stops there, a single message is cut

    async def send(self, config: Any, message: Rendered, ctx: SendContext) -> Answer: ...


def mask_url(url: str) -> str:
    """What may be shown of a secret URL: scheme, host and port (the path and query may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}/…"


def check_http_url(value: SecretStr) -> SecretStr:
    url = value.get_secret_value()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise ValueError("must be an http(s) URL with a host, e.g. https://oapi.dingtalk.com/robot/send?access_token=…")
    if len(url) > 2048:
        raise ValueError("must be at most 2048 characters")
    return value


async def post(ctx: SendContext, url: str, content: bytes, headers: dict[str, str]) -> httpx.Response | Answer:
    """POST ``content``; the response, or the failed Answer when there was none (retryable)."""
    try:
        return await ctx.http.post(url, content=content, headers=headers, timeout=ctx.timeout)
    except httpx.TimeoutException as exc:
        # The exception's text may hold the URL and its token: only its class is kept.
        return Answer(False, True, None, f"no answer within {ctx.timeout:g} s ({type(exc).__name__})")
    except httpx.HTTPError as exc:
        return Answer(False, True, None, f"could not reach the receiver ({type(exc).__name__})")


def http_failure(resp: httpx.Response) -> Answer | None:
    """The Answer for a response that is not 2xx (429 and 5xx are retryable); None for 2xx."""
    if resp.is_success:
        return None
    retryable = resp.status_code == 429 or resp.status_code >= 500
    return Answer.of_text(False, retryable, resp.status_code, resp.text)
