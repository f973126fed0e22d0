"""Generic webhook: the message as JSON, its body signed with the channel's secret.

Headers: ``X-KO-Signature: sha256=<hex HMAC-SHA256(secret, body)>`` and ``X-KO-Timestamp``
(Unix seconds). A receiver recomputes the HMAC over the exact bytes it received. Any 2xx is
delivered; 429 and 5xx are retried.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, SecretStr

from ko_observability.channels.senders.base import Answer, KindConfig, SendContext, check_http_url, http_failure, post
from ko_observability.channels.templates import Rendered

SIGNATURE_HEADER = "X-KO-Signature"
TIMESTAMP_HEADER = "X-KO-Timestamp"


class WebhookConfig(KindConfig):
    secret_fields: ClassVar[tuple[str, ...]] = ("url", "secret")

    url: Annotated[SecretStr, AfterValidator(check_http_url)] = Field(
        description="Where to POST (kept secret: it may hold a token)."
    )
    secret: SecretStr = Field(
        min_length=16, max_length=256, description="Key of the body's HMAC-SHA256 signature (16+ characters)."
    )


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    kind = "webhook"
    config_model: type[KindConfig] = WebhookConfig
    default_rate_per_minute = 60
    max_text_bytes: int | None = None

    async def send(self, config: WebhookConfig, message: Rendered, ctx: SendContext) -> Answer:
        payload = {
            "title": message.title,
            "text": message.text,
            "language": message.language,
            "messages": list(message.messages),
        }
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: signature(config.secret.get_secret_value(), body),
            TIMESTAMP_HEADER: str(int(time.time())),
        }
        resp = await post(ctx, config.url.get_secret_value(), body, headers)
        if isinstance(resp, Answer):
            return resp
        return http_failure(resp) or Answer.of_text(True, False, resp.status_code, resp.text)


WEBHOOK = WebhookSender()
