"""HTTP routes of operations: /api/v1/operations (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Query, Request

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.operations.schemas import EventPage, OperationEventOut, OperationOut, OperationStatus
from ko_common.repository import Page
from ko_deployment.operations import service
from ko_deployment.operations.events import CANCEL
from ko_deployment.operations.models import TERMINAL_STATUSES

router = APIRouter(prefix="/api/v1/operations", tags=["operations"])


@router.get(
    "",
    operation_id="listOperations",
    summary="List operations, newest first",
    openapi_extra=permission("project:read"),
)
async def list_operations(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    cluster_id: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[OperationStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[OperationOut]:
    items, total = await service.list_operations(session, identity, project_id, cluster_id, status_, limit, offset)
    return Page[OperationOut](items=[OperationOut.of(o) for o in items], total=total, limit=limit, offset=offset)


@router.get(
    "/{operation_id}",
    operation_id="getOperation",
    summary="Get an operation with its phases and, when it failed, why",
    openapi_extra=permission("project:read"),
)
async def get_operation(session: SessionDep, identity: CurrentIdentity, operation_id: str) -> OperationOut:
    return OperationOut.of(await service.get(session, identity, operation_id))


@router.get(
    "/{operation_id}/events",
    operation_id="listOperationEvents",
    summary="Events of an operation after a counter, in counter order (back-fill after a reconnect)",
    openapi_extra=permission("project:read"),
)
async def list_operation_events(
    session: SessionDep,
    identity: CurrentIdentity,
    operation_id: str,
    after: Annotated[int, Query(ge=0, description="Return events with a counter above this.")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> EventPage:
    op, rows = await service.read_events(session, identity, operation_id, after, limit)
    items = [OperationEventOut.of(r) for r in rows]
    last = items[-1].counter if items else after
    done = op.status in TERMINAL_STATUSES and last >= op.last_counter
    return EventPage(items=items, last_counter=op.last_counter, done=done)


@router.post(
    "/{operation_id}/retry",
    operation_id="retryOperation",
    summary="Queue a failed or cancelled operation again; it resumes at the phase that did not succeed",
    openapi_extra=permission("project:write"),
)
async def retry_operation(session: SessionDep, identity: CurrentIdentity, operation_id: str) -> OperationOut:
    return OperationOut.of(await service.retry(session, identity, operation_id))


@router.post(
    "/{operation_id}/cancel",
    operation_id="cancelOperation",
    summary="Cancel an operation: a running playbook is stopped within seconds",
    openapi_extra=permission("project:write"),
)
async def cancel_operation(
    request: Request, session: SessionDep, identity: CurrentIdentity, operation_id: str, tasks: BackgroundTasks
) -> OperationOut:
    op = await service.cancel(session, identity, operation_id)
    bus = request.app.state.bus

    async def tell_worker() -> None:  # after the commit: the worker also polls the mark, this is the fast path
        if bus.nc is not None and bus.connected:
            await bus.nc.publish(CANCEL.subject_for(operation_id), b"")

    tasks.add_task(tell_worker)
    return OperationOut.of(op)
