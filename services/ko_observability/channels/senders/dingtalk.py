"""DingTalk custom robot: a markdown message, signed with the robot's secret when it has one.

Signing (DingTalk's "加签"): ``timestamp`` in milliseconds and
``sign = base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))``, both added to the
robot's URL as query parameters (URL-encoded). DingTalk answers HTTP 200 with ``errcode``:
anything but 0 is a failure; 130101 (sending too fast) is retried.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Annotated, ClassVar

import httpx
from pydantic import AfterValidator, Field, SecretStr

from ko_observability.channels.senders.base import Answer, KindConfig, SendContext, check_http_url, post
from ko_observability.channels.senders.robots import robot_answer
from ko_observability.channels.templates import Rendered, cap_utf8

THROTTLED = frozenset({130101})


class DingTalkConfig(KindConfig):
    secret_fields: ClassVar[tuple[str, ...]] = ("url", "secret")

    url: Annotated[SecretStr, AfterValidator(check_http_url)] = Field(
        description="The robot's webhook URL with its access_token (kept secret)."
    )
    secret: SecretStr | None = Field(
        None, max_length=256, description="The robot's signing secret (SEC…), when the robot signs."
    )


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkSender:
    kind = "dingtalk"
    config_model: type[KindConfig] = DingTalkConfig
    default_rate_per_minute = 20
    max_text_bytes: int | None = 20000

    async def send(self, config: DingTalkConfig, message: Rendered, ctx: SendContext) -> Answer:
        url = httpx.URL(config.url.get_secret_value())
        if config.secret is not None:
            now = int(time.time() * 1000)
            url = url.copy_merge_params({"timestamp": str(now), "sign": sign(config.secret.get_secret_value(), now)})
        assert self.max_text_bytes is not None
        text = cap_utf8(message.text, self.max_text_bytes, message.truncation_marker)
        body = {"msgtype": "markdown", "markdown": {"title": message.title, "text": text}}
        resp = await post(ctx, str(url), json.dumps(body, ensure_ascii=False).encode(), _HEADERS)
        return resp if isinstance(resp, Answer) else robot_answer(resp, THROTTLED)


_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
DINGTALK = DingTalkSender()
