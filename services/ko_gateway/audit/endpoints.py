"""/api/v1/audit: the audit log, for administrators."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from ko_common.db import SessionDep
from ko_common.identity import permission
from ko_common.repository import Page, Repository
from ko_gateway.auth.principal import AdminPrincipal
from ko_gateway.models import AuditEntry

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    time: datetime
    user_id: str | None
    username: str
    method: str
    path: str
    action: str
    status_code: int
    result: str
    source_ip: str
    request_id: str


class AuditRepository(Repository[AuditEntry]):
    model = AuditEntry


@router.get("", operation_id="listAudit", openapi_extra=permission("admin"))
async def list_audit(
    _: AdminPrincipal,
    session: SessionDep,
    username: str | None = Query(None, max_length=64),
    result: str | None = Query(None, pattern="^(success|failure)$"),
    since: datetime | None = Query(None, description="ISO 8601; entries at or after it."),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[AuditOut]:
    """Newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    if result:
        stmt = stmt.where(AuditEntry.result == result)
    if since:
        stmt = stmt.where(AuditEntry.time >= since)
    items, total = await AuditRepository(session).paginate(stmt, limit, offset)
    return Page(items=[AuditOut.model_validate(e) for e in items], total=total, limit=limit, offset=offset)
