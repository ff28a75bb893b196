"""Sign-in routes."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from api.auth.dependencies import AnyCaller, BearerCredentials, Settings, Wallet
from api.auth.schemas import NonceOut, SessionOut, SiweSignIn, WhoAmI
from api.auth.service import AuthService
from api.auth.tokens import hash_token
from api.db.session import DbSession
from api.openapi import error_responses

router = APIRouter(prefix="/v1/auth", tags=["auth"])


@router.post(
    "/nonce",
    response_model=NonceOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a single-use SIWE nonce (public)",
    responses=error_responses(),
)
def issue_nonce(session: DbSession, settings: Settings) -> NonceOut:
    return AuthService(session, settings).issue_nonce()


@router.post(
    "/siwe",
    response_model=SessionOut,
    summary="Sign in with Ethereum; returns a session token (public)",
    responses=error_responses(401, 422),
)
def sign_in(body: SiweSignIn, session: DbSession, settings: Settings) -> SessionOut:
    return AuthService(session, settings).sign_in(body.message, body.signature)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke the current session (wallet)",
    responses=error_responses(401, 403),
)
def sign_out(
    _: Wallet,
    credentials: BearerCredentials,
    session: DbSession,
    settings: Settings,
    request: Request,
) -> None:
    assert credentials is not None
    AuthService(session, settings).sign_out(credentials.credentials)
    request.app.state.principal_cache.evict(hash_token(credentials.credentials))


@router.get(
    "/me",
    response_model=WhoAmI,
    summary="Who the bearer token belongs to (any signed-in caller)",
    responses=error_responses(401),
)
def who_am_i(principal: AnyCaller) -> WhoAmI:
    return WhoAmI(
        role=principal.role.value, address=principal.address, platform_id=principal.platform_id
    )
