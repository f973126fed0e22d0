"""Channels and deliveries in and out of the API, and the event payloads. No output carries a secret."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from ko_observability.channels.models import Delivery, NotificationChannel

ChannelKind = Literal["dingtalk", "wecom", "email", "webhook"]
Language = Literal["zh", "en"]
DeliveryStatus = Literal["pending", "delivered", "failed"]
_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
CONFIG_DOC = (
    "Settings of the kind. dingtalk: url, secret (optional signing secret). wecom: url. "
    "email: host, port, security (none, starttls, tls), username, password, from_address, to (list), "
    "ca_certificate (optional PEM). webhook: url, secret (16+ characters, signs the body). "
    "url, secret and password are kept secret: never returned, shown masked. On update, absent keys keep "
    "their value."
)


def _check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("use 1 to 64 letters, digits, '.', '_' or '-' (no spaces), e.g. ops-dingtalk")
    return value


Name = Annotated[str, AfterValidator(_check_name)]
Description = Annotated[str, Field(max_length=512)]
RatePerMinute = Annotated[int, Field(ge=1, le=600)]


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(min_length=1, max_length=64)
    name: Name
    description: Description = ""
    kind: ChannelKind
    language: Language = Field("zh", description="Language of the messages: zh or en.")
    enabled: bool = True
    rate_limit_per_minute: RatePerMinute | None = Field(
        None, description="Messages a minute at most; beyond, messages queue and are merged. Default: the kind's."
    )
    config: dict[str, Any] = Field(description=CONFIG_DOC)


class ChannelUpdate(BaseModel):
    """Absent fields keep their value; ``rate_limit_per_minute: null`` goes back to the kind's default."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    kind: ChannelKind | None = Field(None, description="Cannot change; accepted when it is the channel's own.")
    language: Language | None = None
    enabled: bool | None = None
    rate_limit_per_minute: RatePerMinute | None = None
    config: dict[str, Any] | None = Field(None, description=CONFIG_DOC)


class ChannelOut(BaseModel):
    id: str
    project_id: str
    name: str
    description: str
    kind: ChannelKind
    language: Language
    enabled: bool
    rate_limit_per_minute: int = Field(description="The limit in force (the kind's default unless set).")
    rate_limit_is_default: bool
    config: dict[str, Any] = Field(description="The settings that are not secret.")
    masked: dict[str, str] = Field(description="The secret settings that are set, masked (e.g. the URL's host).")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: NotificationChannel, default_rate: int) -> ChannelOut:
        return cls.model_validate(
            {
                "id": c.id,
                "project_id": c.project_id,
                "name": c.name,
                "description": c.description,
                "kind": c.kind,
                "language": c.language,
                "enabled": c.enabled,
                "rate_limit_per_minute": c.rate_limit_per_minute or default_rate,
                "rate_limit_is_default": c.rate_limit_per_minute is None,
                "config": json.loads(c.config),
                "masked": json.loads(c.masked),
                "created_at": c.created_at,
                "updated_at": c.updated_at,
            }
        )


class DeliveryOut(BaseModel):
    id: str
    channel_id: str
    created_at: datetime
    title: str
    status: DeliveryStatus
    test: bool
    attempts: int
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When the next attempt is due (pending only).")
    merged_with: int = Field(description="How many messages the last send merged this one with (0: sent alone).")
    answer_status: int | None = Field(description="The receiver's HTTP status, or the SMTP server's reply code.")
    answer: str = Field(description="The receiver's answer (an excerpt), or why there was none.")

    @classmethod
    def of(cls, d: Delivery) -> DeliveryOut:
        return cls.model_validate(
            {
                "id": d.id,
                "channel_id": d.channel_id,
                "created_at": d.created_at,
                "title": d.title,
                "status": d.status,
                "test": d.test,
                "attempts": d.attempts,
                "last_attempt_at": d.last_attempt_at,
                "next_attempt_at": d.next_attempt_at if d.status == "pending" else None,
                "merged_with": d.batch_size - 1,
                "answer_status": d.answer_status,
                "answer": d.answer,
            }
        )


class TestSendOut(BaseModel):
    """What the receiver answered a test message (it is in the delivery history too)."""

    delivery: DeliveryOut
    ok: bool


class ChannelEvent(BaseModel):
    """A channel as events describe it: never a secret."""

    id: str
    project_id: str
    name: str
    kind: ChannelKind
    enabled: bool

    @classmethod
    def of(cls, c: NotificationChannel) -> ChannelEvent:
        return cls(id=c.id, project_id=c.project_id, name=c.name, kind=c.kind, enabled=c.enabled)  # type: ignore[arg-type]


class DeliveryFailedEvent(BaseModel):
    """A message a channel could not deliver after its attempts (the answer's status only, not its text)."""

    id: str
    channel_id: str
    project_id: str
    title: str
    attempts: int
    answer_status: int | None

    @classmethod
    def of(cls, d: Delivery) -> DeliveryFailedEvent:
        return cls(
            id=d.id,
            channel_id=d.channel_id,
            project_id=d.project_id,
            title=d.title,
            attempts=d.attempts,
            answer_status=d.answer_status,
        )
