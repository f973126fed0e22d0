"""HTTP routes of the channels domain, under /api/v1/notification-channels (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_observability.channels import service
from ko_observability.channels.dispatcher import Dispatcher
from ko_observability.channels.models import NotificationChannel
from ko_observability.channels.schemas import (
    ChannelCreate,
    ChannelKind,
    ChannelOut,
    ChannelUpdate,
    DeliveryOut,
    DeliveryStatus,
    TestSendOut,
)

router = APIRouter(prefix="/api/v1/notification-channels", tags=["notification-channels"])


def _dispatcher(request: Request) -> Dispatcher:
    dispatcher: Dispatcher = request.app.state.dispatcher
    return dispatcher


DispatcherDep = Annotated[Dispatcher, Depends(_dispatcher)]


def _out(channel: NotificationChannel) -> ChannelOut:
    return ChannelOut.of(channel, service.sender_for(channel).default_rate_per_minute)


@router.get(
    "",
    operation_id="listNotificationChannels",
    summary="List notification channels of one project, or of every project the caller may read",
    openapi_extra=permission("project:read"),
)
async def list_channels(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    kind: ChannelKind | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[ChannelOut]:
    items, total = await service.list_channels(session, identity, project_id, kind, limit, offset)
    return Page[ChannelOut](items=[_out(c) for c in items], total=total, limit=limit, offset=offset)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createNotificationChannel",
    summary="Create a notification channel (DingTalk, WeCom, email or webhook); its secrets are stored encrypted",
    openapi_extra=permission("project:write"),
)
async def create_channel(session: SessionDep, identity: CurrentIdentity, body: ChannelCreate) -> ChannelOut:
    return _out(await service.create(session, identity, body))


@router.get(
    "/{channel_id}",
    operation_id="getNotificationChannel",
    summary="Get a notification channel (its secrets masked)",
    openapi_extra=permission("project:read"),
)
async def get_channel(session: SessionDep, identity: CurrentIdentity, channel_id: str) -> ChannelOut:
    return _out(await service.get(session, identity, channel_id))


@router.patch(
    "/{channel_id}",
    operation_id="updateNotificationChannel",
    summary="Change a notification channel; settings and secrets left out keep their values",
    openapi_extra=permission("project:write"),
)
async def update_channel(
    session: SessionDep, identity: CurrentIdentity, channel_id: str, body: ChannelUpdate
) -> ChannelOut:
    return _out(await service.update(session, identity, channel_id, body))


@router.delete(
    "/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteNotificationChannel",
    summary="Delete a notification channel and its delivery history",
    openapi_extra=permission("project:write"),
)
async def delete_channel(session: SessionDep, identity: CurrentIdentity, channel_id: str) -> Response:
    await service.delete(session, identity, channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{channel_id}/test",
    operation_id="testNotificationChannel",
    summary="Send a test message now and return the receiver's answer (429 while the channel is at its rate limit)",
    openapi_extra=permission("project:write"),
)
async def test_channel(
    session: SessionDep, identity: CurrentIdentity, dispatcher: DispatcherDep, channel_id: str
) -> TestSendOut:
    delivery = await service.test_send(session, identity, channel_id, dispatcher)
    return TestSendOut(delivery=DeliveryOut.of(delivery), ok=delivery.status == "delivered")


@router.get(
    "/{channel_id}/deliveries",
    operation_id="listNotificationDeliveries",
    summary="Delivery history of a channel, newest first, with each receiver's answer",
    openapi_extra=permission("project:read"),
)
async def list_deliveries(
    session: SessionDep,
    identity: CurrentIdentity,
    channel_id: str,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[DeliveryOut]:
    items, total = await service.deliveries(session, identity, channel_id, delivery_status, limit, offset)
    return Page[DeliveryOut](items=[DeliveryOut.of(d) for d in items], total=total, limit=limit, offset=offset)
