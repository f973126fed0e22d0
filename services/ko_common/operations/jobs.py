"""The job-request contract (version `ko.operations/v1`): one service asks another to run an operation
and follows it, without reaching into the other's tables.

- `POST /internal/operations` with an `OperationRequest` and the caller's signed service identity. The
  target runs the kind only if the kind names the caller among its `requesters`; the kind's preflight
  checks run as for any operation (422 naming the field, 409 if the cluster is busy).
- Idempotent: the operation's id is derived from (caller, `request_id`), so a request repeated after
  a timeout or a crash of the caller returns the same operation (200) instead of a second one (201).
- The answer (`OperationTicket`) names the operation, the subject of its events on NATS (the same
  events the console sees, ending with `kind=end`) and where to read its state.
- `GET /internal/operations/{id}` reads it (the caller's own requests only); `OperationRequester` is
  the client: `request`, `get`, and `wait` (polls until it ends).

A breaking change to these shapes is a new version beside this one, never an edit of it.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from ko_common.db import SessionDep
from ko_common.errors import Forbidden, NotFound
from ko_common.identity import HEADER, CurrentIdentity, Identity, service_identity, sign
from ko_common.operations.models import TERMINAL
from ko_common.operations.schemas import OperationOut
from ko_common.operations.service import OperationService

API_VERSION: Literal["ko.operations/v1"] = "ko.operations/v1"
PATH = "/internal/operations"
_NAMESPACE = uuid.UUID("5b1d8a9e-3c55-4a0f-9a51-0e3c6a7f2d10")


class OperationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_version: Literal["ko.operations/v1"] = API_VERSION
    request_id: str = Field(
        min_length=1, max_length=128, description="The caller's idempotency key: the same key, the same operation."
    )
    kind: str = Field(min_length=1, max_length=32, description="A kind the target service registered.")
    project_id: str = Field(min_length=1, max_length=64)
    cluster_id: str = Field(min_length=1, max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, description="The kind's parameters (its spec).")


class OperationTicket(BaseModel):
    api_version: Literal["ko.operations/v1"] = API_VERSION
    request_id: str
    operation_id: str
    kind: str
    cluster_id: str
    status: str
    events_subject: str = Field(description="NATS subject of the operation's events (stream KO_OPERATION_EVENTS).")
    created: bool = Field(description="False: this request_id had already been answered with this operation.")


def operation_id_for(service: str, request_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{service}\n{request_id}"))


def jobs_router(operations: OperationService) -> APIRouter:
    """The target service's side of the contract, on its own operation service (mounted internally only)."""
    router = APIRouter(prefix=PATH, include_in_schema=False)

    @router.post("", status_code=201)
    async def request_operation(
        body: OperationRequest, session: SessionDep, identity: CurrentIdentity, response: Response
    ) -> OperationTicket:
        caller = _caller(identity)
        kind = operations.kinds.get(body.kind)
        if caller not in kind.requesters:
            raise Forbidden(f"The {caller} service may not request {body.kind} operations from this service.")
        op_id = operation_id_for(caller, body.request_id)
        op = await operations.repo(session).get(op_id)
        created = op is None
        if op is None:
            op = await operations.create(
                session, project_id=body.project_id, cluster_id=body.cluster_id, kind=body.kind, spec=body.params,
                created_by=f"service:{caller}", requested_by=caller, operation_id=op_id,
            )  # fmt: skip
        else:
            response.status_code = 200
        return OperationTicket(
            request_id=body.request_id, operation_id=op.id, kind=op.kind, cluster_id=op.cluster_id, status=op.status,
            events_subject=operations.channels.task_event.subject_for(op.id), created=created,
        )  # fmt: skip

    @router.get("/{operation_id}")
    async def read_operation(
        operation_id: Annotated[str, Path(max_length=64)], session: SessionDep, identity: CurrentIdentity
    ) -> OperationOut:
        caller = _caller(identity)
        op = await operations.repo(session).get(operation_id)
        if op is None or op.created_by != f"service:{caller}":
            raise NotFound(f"No operation {operation_id} requested by the {caller} service.")
        return OperationOut.of(op)

    return router


def _caller(identity: Identity) -> str:
    if identity.service is None:
        raise Forbidden("Only a service may request operations here; people use /api/v1.")
    return identity.service


class JobRequestError(Exception):
    """The target refused or could not take the request; the message is its answer."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


class OperationRequester:
    """A service's client of another service's operations (e.g. backup asking deployment for a snapshot)."""

    def __init__(
        self,
        target_url: str,
        target_service: str,
        identity_key: bytes,
        service_name: str,
        *,
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = target_url.rstrip("/") + PATH
        self.target = target_service
        self.key = identity_key
        self.service = service_name
        self.timeout = timeout
        self.transport = transport

    async def _call(self, method: str, url: str, **kw: Any) -> httpx.Response:
        headers = {HEADER: sign(service_identity(self.service), self.key, self.target)}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, trust_env=False, transport=self.transport) as http:
                r = await http.request(method, url, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise JobRequestError(0, f"The {self.target} service is not reachable ({type(exc).__name__}).") from exc
        if r.status_code >= 400:
            try:
                body = r.json()
            except ValueError:
                body = {}
            detail = body.get("detail") if isinstance(body, dict) else None
            field = body.get("field") if isinstance(body, dict) else None
            raise JobRequestError(r.status_code, str(detail or r.text[:300]), field)
        return r

    async def request(
        self, kind: str, project_id: str, cluster_id: str, params: dict[str, Any], request_id: str
    ) -> OperationTicket:
        body = OperationRequest(
            request_id=request_id, kind=kind, project_id=project_id, cluster_id=cluster_id, params=params
        )
        r = await self._call("POST", self.url, json=body.model_dump())
        return OperationTicket.model_validate(r.json())

    async def get(self, operation_id: str) -> OperationOut:
        r = await self._call("GET", f"{self.url}/{operation_id}")
        return OperationOut.model_validate(r.json())

    async def wait(self, operation_id: str, timeout: float, poll: float = 1.0) -> OperationOut:
        """The operation once it has ended (succeeded, failed or cancelled); TimeoutError after `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            op = await self.get(operation_id)
            if op.status in TERMINAL:
                return op
            if loop.time() > deadline:
                raise TimeoutError(f"Operation {operation_id} is still {op.status} after {timeout:.0f} s.")
            await asyncio.sleep(poll)
