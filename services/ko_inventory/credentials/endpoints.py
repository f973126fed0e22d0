"""HTTP routes of the credentials domain, under /api/v1/credentials (forwarded by the gateway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ko_common.db import SessionDep
from ko_common.identity import CurrentIdentity, permission
from ko_common.repository import Page
from ko_inventory.credentials import service
from ko_inventory.credentials.schemas import CredentialCreate, CredentialOut, CredentialUpdate

router = APIRouter(prefix="/api/v1/credentials", tags=["credentials"])


@router.get(
    "",
    operation_id="listCredentials",
    summary="List credentials of one project, or of every project the caller may read",
    openapi_extra=permission("project:read"),
)
async def list_credentials(
    session: SessionDep,
    identity: CurrentIdentity,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=64, description="Part of the name, username or description.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[CredentialOut]:
    items, total = await service.list_credentials(session, identity, project_id, q, limit, offset)
    return Page[CredentialOut](
        items=[CredentialOut.model_validate(dict(row)) for row in items], total=total, limit=limit, offset=offset
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    operation_id="createCredential",
    summary="Create an SSH credential (password or private key), stored encrypted",
    openapi_extra=permission("project:write"),
)
async def create_credential(session: SessionDep, identity: CurrentIdentity, body: CredentialCreate) -> CredentialOut:
    return CredentialOut.of(await service.create(session, identity, body))


@router.get(
    "/{credential_id}",
    operation_id="getCredential",
    summary="Get a credential (never its secrets)",
    openapi_extra=permission("project:read"),
)
async def get_credential(session: SessionDep, identity: CurrentIdentity, credential_id: str) -> CredentialOut:
    return CredentialOut.of(await service.get(session, identity, credential_id))


@router.patch(
    "/{credential_id}",
    operation_id="updateCredential",
    summary="Change a credential; secrets left out keep their values",
    openapi_extra=permission("project:write"),
)
async def update_credential(
    session: SessionDep, identity: CurrentIdentity, credential_id: str, body: CredentialUpdate
) -> CredentialOut:
    return CredentialOut.of(await service.update(session, identity, credential_id, body))


@router.delete(
    "/{credential_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteCredential",
    summary="Delete a credential",
    openapi_extra=permission("project:write"),
)
async def delete_credential(session: SessionDep, identity: CurrentIdentity, credential_id: str) -> Response:
    await service.delete(session, identity, credential_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
