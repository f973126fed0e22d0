"""/api/v1/projects: projects and their members.

Admins create and delete projects; a project manager manages the members of
their project; members read it. Deleting a project that still owns resources
in any service is refused.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.exc import IntegrityError

from ko_common.db import SessionDep
from ko_common.errors import Conflict, NotFound
from ko_common.events import emit
from ko_common.identity import permission
from ko_common.repository import Page
from ko_gateway import events
from ko_gateway.auth.principal import AdminPrincipal, CurrentPrincipal, Principal
from ko_gateway.auth.repository import UserRepository
from ko_gateway.models import Membership, Project
from ko_gateway.projects.repository import MembershipRepository, ProjectRepository
from ko_gateway.projects.schemas import CandidateOut, MemberIn, MemberOut, ProjectCreate, ProjectOut, ProjectUpdate
from ko_gateway.proxy.usage import project_usage

router = APIRouter(prefix="/api/v1/projects", tags=["projects"])


def _out(project: Project, principal: Principal) -> ProjectOut:
    out = ProjectOut.model_validate(project)
    out.my_role = "admin" if principal.is_admin else principal.memberships.get(project.id)
    return out


async def _readable(session: SessionDep, principal: Principal, project_id: str) -> Project:
    project = await ProjectRepository(session).get(project_id)
    if project is None or not principal.identity.can_read(project_id):
        raise NotFound(f"No project with id {project_id}.", field="project_id")
    return project


@router.get("", operation_id="listProjects", openapi_extra=permission("authenticated"))
async def list_projects(
    principal: CurrentPrincipal, session: SessionDep, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)
) -> Page[ProjectOut]:
    items, total = await ProjectRepository(session).page(principal.identity.readable_projects(), limit, offset)
    return Page(items=[_out(p, principal) for p in items], total=total, limit=limit, offset=offset)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createProject", openapi_extra=permission("admin"))
async def create_project(body: ProjectCreate, principal: AdminPrincipal, session: SessionDep) -> ProjectOut:
    repo = ProjectRepository(session)
    if await repo.by_name(body.name) is not None:
        raise Conflict(f"A project named {body.name} already exists: choose another name.", field="name")
    project = Project(name=body.name, description=body.description)
    try:
        await repo.add(project)
    except IntegrityError as exc:
        raise Conflict(f"A project named {body.name} already exists.", field="name") from exc
    await emit(
        session,
        events.PROJECT_CREATED,
        events.ProjectEvent(id=project.id, name=project.name),
        subject_id=project.id,
        project_id=project.id,
    )
    return _out(project, principal)


@router.get("/{project_id}", operation_id="getProject", openapi_extra=permission("project:read"))
async def get_project(project_id: str, principal: CurrentPrincipal, session: SessionDep) -> ProjectOut:
    return _out(await _readable(session, principal, project_id), principal)


@router.patch("/{project_id}", operation_id="updateProject", openapi_extra=permission("admin"))
async def update_project(
    project_id: str, body: ProjectUpdate, principal: AdminPrincipal, session: SessionDep
) -> ProjectOut:
    project = await _readable(session, principal, project_id)
    repo = ProjectRepository(session)
    if body.name is not None and body.name != project.name:
        if await repo.by_name(body.name) is not None:
            raise Conflict(f"A project named {body.name} already exists.", field="name")
        project.name = body.name
    if body.description is not None:
        project.description = body.description
    await emit(
        session,
        events.PROJECT_UPDATED,
        events.ProjectEvent(id=project.id, name=project.name),
        subject_id=project.id,
        project_id=project.id,
    )
    return _out(project, principal)


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteProject",
    openapi_extra=permission("admin"),
)
async def delete_project(project_id: str, request: Request, principal: AdminPrincipal, session: SessionDep) -> None:
    project = await _readable(session, principal, project_id)
    usage = await project_usage(request.app, principal, project_id)
    in_use = {k: v for k, v in usage.items() if v}
    if in_use:
        listing = ", ".join(f"{n} {kind}" for kind, n in sorted(in_use.items()))
        raise Conflict(f"Project {project.name} still owns {listing}: delete or move them first.", field="project_id")
    await emit(
        session,
        events.PROJECT_DELETED,
        events.ProjectEvent(id=project.id, name=project.name),
        subject_id=project.id,
        project_id=project.id,
    )
    await ProjectRepository(session).delete(project)


@router.get("/{project_id}/members", operation_id="listProjectMembers", openapi_extra=permission("project:read"))
async def list_members(project_id: str, principal: CurrentPrincipal, session: SessionDep) -> list[MemberOut]:
    await _readable(session, principal, project_id)
    rows = await MembershipRepository(session).members(project_id)
    return [MemberOut(user_id=u.id, username=u.username, display_name=u.display_name, role=m.role) for m, u in rows]  # type: ignore[arg-type]


@router.get(
    "/{project_id}/member-candidates",
    operation_id="listMemberCandidates",
    openapi_extra=permission("project:write"),
)
async def member_candidates(
    project_id: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    q: str = Query("", max_length=64, description="Part of the username or display name."),
    limit: int = Query(20, ge=1, le=50),
) -> list[CandidateOut]:
    """Users who could be added to the project (for its managers, who may not list all users)."""
    await _readable(session, principal, project_id)
    principal.identity.require_write(project_id)
    members = {u.id for _, u in await MembershipRepository(session).members(project_id)}
    users, _ = await UserRepository(session).page(limit + len(members), 0, q or None)
    out = [CandidateOut(user_id=u.id, username=u.username, display_name=u.display_name) for u in users]
    return [c for c in out if c.user_id not in members][:limit]


@router.put(
    "/{project_id}/members/{user_id}", operation_id="setProjectMember", openapi_extra=permission("project:write")
)
async def set_member(
    project_id: str, user_id: str, body: MemberIn, principal: CurrentPrincipal, session: SessionDep
) -> MemberOut:
    """Add a user to the project or change their role (admins and the project's managers)."""
    await _readable(session, principal, project_id)
    principal.identity.require_write(project_id)
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.", field="user_id")
    repo = MembershipRepository(session)
    member = await repo.find(project_id, user_id)
    if member is None:
        member = await repo.add(Membership(project_id=project_id, user_id=user_id, role=body.role))
    else:
        member.role = body.role
    await emit(
        session,
        events.MEMBER_SET,
        events.MemberEvent(project_id=project_id, user_id=user_id, role=body.role),
        subject_id=user_id,
        project_id=project_id,
    )
    return MemberOut(user_id=user.id, username=user.username, display_name=user.display_name, role=body.role)


@router.delete(
    "/{project_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="removeProjectMember",
    openapi_extra=permission("project:write"),
)
async def remove_member(project_id: str, user_id: str, principal: CurrentPrincipal, session: SessionDep) -> None:
    await _readable(session, principal, project_id)
    principal.identity.require_write(project_id)
    repo = MembershipRepository(session)
    member = await repo.find(project_id, user_id)
    if member is None:
        raise NotFound("This user is not a member of the project.", field="user_id")
    await repo.delete(member)
    await emit(
        session,
        events.MEMBER_REMOVED,
        events.MemberEvent(project_id=project_id, user_id=user_id, role=None),
        subject_id=user_id,
        project_id=project_id,
    )
