"""Channels: project scoping, per-kind validation of the settings, encryption of the secrets, events;
the delivery history; ``enqueue`` for whoever has a message to send (alert routing).

The caller's transaction is the request's (or the handler's): this module only flushes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ko_common.crypto import SecretBox, box_for
from ko_common.db import new_id
from ko_common.errors import Conflict, Forbidden, InvalidInput, NotFound
from ko_common.events import emit
from ko_common.identity import Identity
from ko_common.logging import log_fields
from ko_observability.channels import events, templates
from ko_observability.channels.models import Delivery, NotificationChannel
from ko_observability.channels.repository import ChannelRepository, DeliveryRepository
from ko_observability.channels.schemas import ChannelCreate, ChannelEvent, ChannelUpdate
from ko_observability.channels.senders import SENDERS, Sender
from ko_observability.channels.senders.base import KindConfig, mask_url

if TYPE_CHECKING:
    from ko_observability.channels.dispatcher import Dispatcher

log = logging.getLogger(__name__)
TABLE = "notification_channels"
_NAMED = re.compile(r"^([a-z_]+): (.+)$", re.S)


def sender_for(channel: NotificationChannel) -> Sender:
    return SENDERS[channel.kind]


def rate_limit(channel: NotificationChannel) -> int:
    return channel.rate_limit_per_minute or sender_for(channel).default_rate_per_minute


async def list_channels(
    session: AsyncSession, identity: Identity, project_id: str | None, kind: str | None, limit: int, offset: int
) -> tuple[Sequence[NotificationChannel], int]:
    projects = identity.readable_projects()
    if project_id is not None:
        identity.require_read(project_id)
        projects = {project_id}
    return await ChannelRepository(session).search(projects, kind, limit, offset)


async def create(session: AsyncSession, identity: Identity, body: ChannelCreate) -> NotificationChannel:
    identity.require_write(body.project_id)
    repo = ChannelRepository(session)
    await _refuse_duplicate(repo, body.project_id, body.name)
    channel = NotificationChannel(
        id=new_id(),
        project_id=body.project_id,
        name=body.name,
        description=body.description,
        kind=body.kind,
        language=body.language,
        enabled=body.enabled,
        rate_limit_per_minute=body.rate_limit_per_minute,
    )
    _set_config(channel, box_for(session), body.config)
    try:
        await repo.add(channel)
    except IntegrityError as exc:  # a concurrent create won the race
        raise _duplicate(channel.name) from exc
    await emit(session, events.CREATED, ChannelEvent.of(channel), subject_id=channel.id, project_id=channel.project_id)
    log.info("channel created", extra=log_fields(channel_id=channel.id, project_id=channel.project_id))
    return channel


async def get(
    session: AsyncSession, identity: Identity, channel_id: str, *, write: bool = False
) -> NotificationChannel:
    channel = await ChannelRepository(session).get(channel_id)
    # A channel of a project the caller cannot see is reported missing, so ids cannot be probed.
    if channel is None or not identity.can_read(channel.project_id):
        raise NotFound(f"No notification channel {channel_id}: check the id, or ask for access to its project.")
    if write and not identity.can_write(channel.project_id):
        raise Forbidden("Your role in this channel's project is read-only: ask a project manager or an admin.")
    return channel


async def update(
    session: AsyncSession, identity: Identity, channel_id: str, body: ChannelUpdate
) -> NotificationChannel:
    channel = await get(session, identity, channel_id, write=True)
    given = body.model_fields_set
    if body.kind is not None and body.kind != channel.kind:
        raise InvalidInput(
            f"kind: a channel's kind cannot change ({channel.kind}): create a new channel instead.", field="kind"
        )
    repo = ChannelRepository(session)
    if body.name is not None and body.name != channel.name:
        await _refuse_duplicate(repo, channel.project_id, body.name)
        channel.name = body.name
    for name in ("description", "language", "enabled"):
        value = getattr(body, name)
        if value is not None:
            setattr(channel, name, value)
    if "rate_limit_per_minute" in given:
        channel.rate_limit_per_minute = body.rate_limit_per_minute
    if body.config is not None:
        box = box_for(session)
        # Absent keys keep their stored value (secrets included); a key given as null is cleared.
        merged = {**json.loads(channel.config), **_open_secrets(box, channel)}
        for key, value in body.config.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        _set_config(channel, box, merged)
    try:
        await repo.flush()
    except IntegrityError as exc:
        raise _duplicate(channel.name) from exc
    await emit(session, events.UPDATED, ChannelEvent.of(channel), subject_id=channel.id, project_id=channel.project_id)
    log.info("channel updated", extra=log_fields(channel_id=channel.id, project_id=channel.project_id))
    return channel


async def delete(session: AsyncSession, identity: Identity, channel_id: str) -> None:
    """Delete a channel with its delivery history (and messages still pending: nobody would receive them)."""
    channel = await get(session, identity, channel_id, write=True)
    await ChannelRepository(session).delete(channel)
    await emit(session, events.DELETED, ChannelEvent.of(channel), subject_id=channel.id, project_id=channel.project_id)
    log.info("channel deleted", extra=log_fields(channel_id=channel.id, project_id=channel.project_id))


async def deliveries(
    session: AsyncSession, identity: Identity, channel_id: str, status: str | None, limit: int, offset: int
) -> tuple[Sequence[Delivery], int]:
    channel = await get(session, identity, channel_id)
    return await DeliveryRepository(session).history(channel.id, status, limit, offset)


async def test_send(session: AsyncSession, identity: Identity, channel_id: str, dispatcher: Dispatcher) -> Delivery:
    """Send a test message now (even to a disabled channel) and return its delivery with the answer."""
    channel = await get(session, identity, channel_id, write=True)
    message = templates.test_message(channel.language, identity.username)  # type: ignore[arg-type]
    return await dispatcher.send_now(channel.id, message)


async def enqueue(
    session: AsyncSession, channel: NotificationChannel, message: Mapping[str, Any], *, test: bool = False
) -> Delivery:
    """Store ``message`` for ``channel``, pending: the dispatcher sends it after this transaction commits."""
    delivery = Delivery(
        id=new_id(),
        channel_id=channel.id,
        project_id=channel.project_id,
        title=templates.title(message, channel.language)[:255],  # type: ignore[arg-type]
        message=json.dumps(dict(message), ensure_ascii=False, default=str),
        test=test,
    )
    return await DeliveryRepository(session).add(delivery)


def open_config(box: SecretBox, channel: NotificationChannel) -> KindConfig:
    """The channel's settings with its secrets decrypted, for sending only; never an HTTP answer."""
    values = {**json.loads(channel.config), **_open_secrets(box, channel)}
    return sender_for(channel).config_model.model_validate(values)


def _open_secrets(box: SecretBox, channel: NotificationChannel) -> dict[str, str]:
    plain = box.decrypt(channel.secrets_enc, table=TABLE, row_id=channel.id, field="secrets")
    secrets: dict[str, str] = json.loads(plain)
    return secrets


def _set_config(channel: NotificationChannel, box: SecretBox, values: Mapping[str, Any]) -> None:
    """Validate ``values`` for the channel's kind (every problem at once), then store them split in two."""
    try:
        config = sender_for(channel).config_model.model_validate(dict(values))
    except ValidationError as exc:
        raise InvalidInput.many([_problem(err) for err in exc.errors()]) from None
    plain, secrets = config.split()
    channel.config = json.dumps(plain, ensure_ascii=False)
    channel.masked = json.dumps({k: mask_url(v) if k == "url" else "********" for k, v in secrets.items()})
    channel.secrets_enc = box.encrypt(json.dumps(secrets), table=TABLE, row_id=channel.id, field="secrets")


def _problem(err: Any) -> tuple[str, str]:
    msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
    loc = [str(p) for p in err.get("loc", ())]
    named = _NAMED.match(msg)
    if not loc and named:  # a check across fields names the one to fix
        loc, msg = [named.group(1)], named.group(2)
    if msg == "Field required":
        msg = "required for this kind of channel"
    elif msg == "Extra inputs are not permitted":
        msg = "not a setting of this kind of channel: remove it"
    return ".".join(["config", *loc]), msg


async def _refuse_duplicate(repo: ChannelRepository, project_id: str, name: str) -> None:
    if await repo.by_name(project_id, name) is not None:
        raise _duplicate(name)


def _duplicate(name: str) -> Conflict:
    return Conflict(f"A channel named {name} already exists in this project: choose another name.", field="name")
