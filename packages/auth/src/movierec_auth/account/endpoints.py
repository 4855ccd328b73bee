"""HTTP endpoints of the auth service: /auth/*."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm

from movierec_auth.account.exceptions import RefreshTokenReusedError
from movierec_auth.account.repository import User
from movierec_auth.account.schemas import (
    ChangePasswordRequest,
    DeleteMeRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RegisterRequest,
    TokenPair,
    UpdateMeRequest,
    UserOut,
)
from movierec_auth.account.service import AccountService
from movierec_common.deps import CurrentUser, SessionDep, current_service
from movierec_common.errors import problem_response

router = APIRouter(prefix="/auth", tags=["auth"])

AccountsDep = Annotated[AccountService, Depends(current_service)]


async def _per_address(request: Request, accounts: AccountsDep) -> None:
    """The credential endpoints are limited per client address (the edge's
    X-Forwarded-For, which uvicorn trusts from ``FORWARDED_ALLOW_IPS``)."""
    await accounts.limit_address(request.client.host if request.client else None)


PerAddress = [Depends(_per_address)]
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def _out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


def _no_store(response: Response) -> None:
    """Token responses are never stored by a cache on the way (RFC 6749, section 5.1)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"


@router.post(
    "/register",
    dependencies=PerAddress,
    status_code=status.HTTP_201_CREATED,
    summary="Create an account",
    responses={409: {"description": "Email already registered", **PROBLEM}},
)
async def register(body: RegisterRequest, session: SessionDep, accounts: AccountsDep) -> UserOut:
    return _out(await accounts.register(session, data=body))


@router.post(
    "/login",
    dependencies=PerAddress,
    summary="Log in with email and password (OAuth2 password form; username = email)",
    responses={
        401: {"description": "Wrong email or password", **PROBLEM},
        429: {"description": "Too many failed attempts for this account", **PROBLEM},
        503: {"description": "Throttling state unavailable", **PROBLEM},
    },
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    accounts: AccountsDep,
    response: Response,
) -> TokenPair:
    _no_store(response)
    return await accounts.login(session, email=form.username, password=form.password)


@router.post(
    "/refresh",
    dependencies=PerAddress,
    response_model=TokenPair,
    summary="Exchange a refresh token for a new token pair (rotation)",
    responses={401: {"description": "Invalid, expired or reused refresh token", **PROBLEM}},
)
async def refresh(
    body: RefreshRequest,
    session: SessionDep,
    accounts: AccountsDep,
    request: Request,
    response: Response,
) -> TokenPair | JSONResponse:
    _no_store(response)
    try:
        return await accounts.refresh(session, token=body.refresh_token)
    except RefreshTokenReusedError as exc:
        # Answered, not raised: the revocation of the token family must commit.
        return problem_response(exc, request)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a refresh token and its session",
)
async def logout(body: RefreshRequest, session: SessionDep, accounts: AccountsDep) -> Response:
    await accounts.logout(session, token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me", summary="The current user", responses={401: {"description": "Not logged in", **PROBLEM}}
)
async def me(user: CurrentUser, session: SessionDep, accounts: AccountsDep) -> UserOut:
    return _out(await accounts.me(session, principal=user))


@router.patch(
    "/me",
    summary="Change names or favorite genres",
    responses={401: {"description": "Not logged in", **PROBLEM}},
)
async def update_me(
    body: UpdateMeRequest, user: CurrentUser, session: SessionDep, accounts: AccountsDep
) -> UserOut:
    return _out(await accounts.update_me(session, principal=user, data=body))


@router.delete(
    "/me",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the account (its password again in the body); every service forgets it",
    responses={
        401: {"description": "Not logged in", **PROBLEM},
        403: {"description": "Wrong password", **PROBLEM},
        429: {"description": "Too many wrong passwords for this account", **PROBLEM},
    },
)
async def delete_me(
    body: DeleteMeRequest, user: CurrentUser, session: SessionDep, accounts: AccountsDep
) -> Response:
    await accounts.delete_me(session, principal=user, password=body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/me/password",
    response_model=TokenPair,
    summary="Change the password: every session ends, this one gets a new token pair",
    responses={
        401: {"description": "Not logged in", **PROBLEM},
        403: {"description": "Wrong current password", **PROBLEM},
        422: {"description": "The new password is refused", **PROBLEM},
        429: {"description": "Too many wrong passwords for this account", **PROBLEM},
    },
)
async def change_password(
    body: ChangePasswordRequest,
    user: CurrentUser,
    session: SessionDep,
    accounts: AccountsDep,
    response: Response,
) -> TokenPair:
    _no_store(response)
    return await accounts.change_password(
        session, principal=user, current=body.current_password, new=body.new_password
    )


@router.post(
    "/password-reset",
    dependencies=PerAddress,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Mail a single-use password reset link (the same answer whether the account exists)",
)
async def request_password_reset(
    body: PasswordResetRequest, session: SessionDep, accounts: AccountsDep
) -> dict[str, str]:
    await accounts.request_password_reset(session, email=str(body.email))
    return {"detail": "If an account uses this email, a reset link is on its way."}


@router.post(
    "/password-reset/confirm",
    dependencies=PerAddress,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Set a new password with the mailed token; every session ends",
    responses={
        400: {"description": "Invalid, used or expired token", **PROBLEM},
        422: {"description": "The new password is refused", **PROBLEM},
    },
)
async def reset_password(
    body: PasswordResetConfirm, session: SessionDep, accounts: AccountsDep
) -> Response:
    await accounts.reset_password(session, token=body.token, new=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/.well-known/jwks.json", summary="Public keys that verify access tokens")
async def jwks(request: Request) -> Response:
    path = request.app.state.settings.jwt_public_keys
    keys = json.loads(path.read_text()) if path.is_file() else {"keys": []}
    return Response(
        json.dumps({"keys": keys.get("keys", [])}),
        media_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )
