"""/api/v1/live: live updates for the console (Server-Sent Events)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from starlette.responses import StreamingResponse

from ko_common.errors import NotFound
from ko_common.events import Envelope
from ko_common.identity import permission
from ko_gateway.auth.principal import CurrentPrincipal
from ko_gateway.live.relay import resume_after, sse

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
    """
    if not principal.identity.can_read(project_id):
        raise NotFound(f"No project with id {project_id}.", field="project_id")

    def keep(env: Envelope) -> bool:
        return env.projectid == project_id

    return sse(request, "KO_EVENTS", "ko.>", resume_after(request, after), keep)
