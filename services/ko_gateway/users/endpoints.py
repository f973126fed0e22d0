"""/api/v1/users: administrators manage users."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, status
from sqlalchemy.exc import IntegrityError

from ko_common.db import SessionDep
from ko_common.errors import BadRequest, Conflict, NotFound
from ko_common.events import emit
from ko_common.identity import permission
from ko_common.repository import Page
from ko_gateway import events
from ko_gateway.auth.passwords import hash_password
from ko_gateway.auth.principal import AdminPrincipal
from ko_gateway.auth.repository import SessionRepository, UserRepository
from ko_gateway.auth.schemas import UserOut
from ko_gateway.auth.service import user_out
from ko_gateway.models import User
from ko_gateway.users.schemas import UserCreate, UserUpdate

router = APIRouter(prefix="/api/v1/users", tags=["users"])
ADMIN = permission("admin")


def _event(user: User) -> events.UserEvent:
    return events.UserEvent(id=user.id, username=user.username, is_admin=user.is_admin, is_active=user.is_active)


async def _get(session: SessionDep, user_id: str) -> User:
    user = await UserRepository(session).get(user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.", field="user_id")
    return user


@router.get("", operation_id="listUsers", openapi_extra=ADMIN)
async def list_users(
    _: AdminPrincipal,
    session: SessionDep,
    q: str | None = Query(None, max_length=64, description="Filter on username, display name or e-mail."),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[UserOut]:
    items, total = await UserRepository(session).page(limit, offset, q)
    return Page(items=[user_out(u) for u in items], total=total, limit=limit, offset=offset)


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createUser", openapi_extra=ADMIN)
async def create_user(body: UserCreate, _: AdminPrincipal, session: SessionDep) -> UserOut:
    users = UserRepository(session)
    if await users.by_username(body.username) is not None:
        raise Conflict(f"A user named {body.username} already exists: choose another username.", field="username")
    password_hash = await asyncio.to_thread(hash_password, body.password)  # argon2: off the event loop
    user = User(**body.model_dump(exclude={"password"}), password_hash=password_hash)
    try:
        await users.add(user)
    except IntegrityError as exc:
        raise Conflict(f"A user named {body.username} already exists.", field="username") from exc
    await emit(session, events.USER_CREATED, _event(user), subject_id=user.id)
    return user_out(user)


@router.get("/{user_id}", operation_id="getUser", openapi_extra=ADMIN)
async def get_user(user_id: str, _: AdminPrincipal, session: SessionDep) -> UserOut:
    return user_out(await _get(session, user_id))


@router.patch("/{user_id}", operation_id="updateUser", openapi_extra=ADMIN)
async def update_user(user_id: str, body: UserUpdate, principal: AdminPrincipal, session: SessionDep) -> UserOut:
    user = await _get(session, user_id)
    changes = body.model_dump(exclude_unset=True, exclude={"password"})
    if user.id == principal.user_id and (changes.get("is_admin") is False or changes.get("is_active") is False):
        raise BadRequest("You cannot remove your own admin role or disable yourself.", field="is_admin")
    for key, value in changes.items():
        if value is not None:
            setattr(user, key, value)
    if body.password is not None:
        user.password_hash = await asyncio.to_thread(hash_password, body.password)
        await SessionRepository(session).delete_for_user(user.id)
    if changes.get("is_active") is False:
        await SessionRepository(session).delete_for_user(user.id)
    await emit(session, events.USER_UPDATED, _event(user), subject_id=user.id)
    return user_out(user)


@router.post("/{user_id}/unlock", operation_id="unlockUser", openapi_extra=ADMIN)
async def unlock_user(user_id: str, _: AdminPrincipal, session: SessionDep) -> UserOut:
    """Clear the failed-login count and the lock."""
    user = await _get(session, user_id)
    user.failed_logins, user.locked_until, user.last_failed_at = 0, None, None
    await emit(session, events.USER_UPDATED, _event(user), subject_id=user.id)
    return user_out(user)


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteUser", openapi_extra=ADMIN)
async def delete_user(user_id: str, principal: AdminPrincipal, session: SessionDep) -> None:
    user = await _get(session, user_id)
    if user.id == principal.user_id:
        raise BadRequest("You cannot delete yourself.", field="user_id")
    await emit(session, events.USER_DELETED, _event(user), subject_id=user.id)
    await UserRepository(session).delete(user)
