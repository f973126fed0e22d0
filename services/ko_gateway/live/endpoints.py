"""/api/v1/live: live updates for the console (Server-Sent Events)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Query, Request
from starlette.responses import StreamingResponse

from ko_common.db import Database
from ko_common.errors import KOError, NotFound
from ko_common.events import Envelope
from ko_common.identity import permission
from ko_gateway.auth.principal import CurrentPrincipal, resolve
from ko_gateway.live.relay import Allowed, resume_after, sse

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/live", tags=["live"])


@router.get(
    "/projects/{project_id}",
    operation_id="liveProjectEvents",
    openapi_extra=permission("project:read"),
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Domain events of the project, as SSE."}},
)
async def project_events(
    project_id: str,
    request: Request,
    principal: CurrentPrincipal,
    after: int | None = Query(None, ge=0, description="Resume after this event id (or send Last-Event-ID)."),
) -> StreamingResponse:
    """Every domain event of one project (resources created, changed, deleted), live.

    The SSE `id` is the event's position; reconnecting with `Last-Event-ID` resumes exactly after it.
    Access is checked again every few seconds: once the caller may no longer read the project (removed
    from it, token revoked, session ended) the stream sends `event: ko.access-revoked` and ends.
    """
    if not principal.identity.can_read(project_id):
        raise NotFound(f"No project with id {project_id}.", field="project_id")

    def keep(env: Envelope) -> bool:
        return env.projectid == project_id

    settings = request.app.state.settings
    return sse(
        request,
        "KO_EVENTS",
        "ko.>",
        resume_after(request, after),
        keep,
        still_allowed(request, project_id),
        settings.live_recheck_seconds,
    )


def still_allowed(request: Request, project_id: str) -> Allowed:
    """Whether the caller of ``request`` (same cookie or bearer token) may still read the project, now."""

    async def check() -> bool:
        db: Database = request.app.state.db
        try:
            async with db.transaction() as session:
                principal = await resolve(request, session, use_cache=False)
        except KOError:  # the session expired or ended, the token was revoked, the account disabled
            return False
        except Exception:  # the database is briefly unreachable: keep the stream, check again next time
            log.warning("live stream: could not re-check access", exc_info=True)
            return True
        return principal is not None and principal.identity.can_read(project_id)

    return check
