"""WeCom (企业微信) group robot: a markdown message of at most 4,096 bytes of UTF-8.

A longer text is cut on a character boundary with a marker saying so (the whole message stays in
the delivery history). WeCom answers HTTP 200 with ``errcode``: anything but 0 is a failure;
45009 (over the robot's frequency limit) is retried.
"""

from __future__ import annotations

import json
from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, SecretStr

from ko_observability.channels.senders.base import Answer, KindConfig, SendContext, check_http_url, post
from ko_observability.channels.senders.robots import robot_answer
from ko_observability.channels.templates import Rendered, cap_utf8

MAX_CONTENT_BYTES = 4096
THROTTLED = frozenset({45009})


class WeComConfig(KindConfig):
    secret_fields: ClassVar[tuple[str, ...]] = ("url",)

    url: Annotated[SecretStr, AfterValidator(check_http_url)] = Field(
        description="The robot's webhook URL with its key (kept secret)."
    )


class WeComSender:
    kind = "wecom"
    config_model: type[KindConfig] = WeComConfig
    default_rate_per_minute = 20
    max_text_bytes: int | None = MAX_CONTENT_BYTES

    async def send(self, config: WeComConfig, message: Rendered, ctx: SendContext) -> Answer:
        content = cap_utf8(message.text, MAX_CONTENT_BYTES, message.truncation_marker)
        body = {"msgtype": "markdown", "markdown": {"content": content}}
        resp = await post(
            ctx,
            config.url.get_secret_value(),
            json.dumps(body, ensure_ascii=False).encode(),
            {"Content-Type": "application/json; charset=utf-8"},
        )
        return resp if isinstance(resp, Answer) else robot_answer(resp, THROTTLED)


WECOM = WeComSender()
