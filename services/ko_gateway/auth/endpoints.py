"""/api/v1/auth: login, logout, who am I, password change, API tokens."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request, Response, status

from ko_common.db import SessionDep
from ko_common.errors import BadRequest
from ko_common.identity import permission
from ko_common.repository import Page
from ko_gateway.auth import service
from ko_gateway.auth.passwords import hash_password, verify_password
from ko_gateway.auth.principal import CSRF_COOKIE, SESSION_COOKIE, CurrentPrincipal
from ko_gateway.auth.repository import SessionRepository, TokenRepository, UserRepository
from ko_gateway.auth.schemas import LoginIn, LoginOut, MeOut, PasswordChangeIn, TokenCreatedOut, TokenIn, TokenOut
from ko_gateway.settings import GatewaySettings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _settings(request: Request) -> GatewaySettings:
    settings: GatewaySettings = request.app.state.settings
    return settings


@router.post("/login", operation_id="login", openapi_extra=permission("public"))
async def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> LoginOut:
    """Log in: sets an httpOnly session cookie and returns the CSRF token for mutating calls."""
    request.state.audit_username = body.username
    settings = _settings(request)
    ip = request.client.host if request.client else ""
    result = await service.login(session, settings, body.username, body.password, ip)
    max_age = settings.session_hours * 3600
    response.set_cookie(
        SESSION_COOKIE,
        result.session_token,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE,
        result.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )
    return LoginOut(
        user=await service.me(session, result.user), csrf_token=result.csrf_token, expires_at=result.expires_at
    )


@router.post(
    "/logout", status_code=status.HTTP_204_NO_CONTENT, operation_id="logout", openapi_extra=permission("authenticated")
)
async def logout(principal: CurrentPrincipal, response: Response, session: SessionDep) -> None:
    await service.logout(session, principal)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", operation_id="getMe", openapi_extra=permission("authenticated"))
async def get_me(principal: CurrentPrincipal, session: SessionDep) -> MeOut:
    user = await UserRepository(session).get(principal.user_id)
    assert user is not None
    return await service.me(session, user)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="changeMyPassword",
    openapi_extra=permission("authenticated"),
)
async def change_password(body: PasswordChangeIn, principal: CurrentPrincipal, session: SessionDep) -> None:
    """Change your own password; your other sessions are ended."""
    user = await UserRepository(session).get(principal.user_id)
    assert user is not None
    # Off the event loop: argon2 takes a noticeable time by design.
    if not await asyncio.to_thread(verify_password, user.password_hash, body.current_password):
        raise BadRequest("current_password is wrong.", field="current_password")
    user.password_hash = await asyncio.to_thread(hash_password, body.new_password)
    await SessionRepository(session).delete_for_user(user.id)


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    operation_id="createToken",
    openapi_extra=permission("authenticated"),
)
async def create_token(body: TokenIn, principal: CurrentPrincipal, session: SessionDep) -> TokenCreatedOut:
    """Create a bearer token for automation; it acts with your roles. Shown once."""
    token, raw = await service.create_token(session, principal, body.name, body.expires_in_days)
    return TokenCreatedOut(**TokenOut.model_validate(token).model_dump(), token=raw)


@router.get("/tokens", operation_id="listTokens", openapi_extra=permission("authenticated"))
async def list_tokens(
    principal: CurrentPrincipal,
    session: SessionDep,
    all_users: bool = Query(False, description="Admins only: every user's tokens."),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> Page[TokenOut]:
    owner = None if (all_users and principal.is_admin) else principal.user_id
    items, total = await TokenRepository(session).page(owner, limit, offset)
    return Page(items=[TokenOut.model_validate(t) for t in items], total=total, limit=limit, offset=offset)


@router.delete(
    "/tokens/{token_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="revokeToken",
    openapi_extra=permission("authenticated"),
)
async def revoke_token(token_id: str, principal: CurrentPrincipal, session: SessionDep) -> None:
    await service.revoke_token(session, principal, token_id)
