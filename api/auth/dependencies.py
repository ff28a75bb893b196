"""Route guards: every route names who may call it through one of these dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.principal import Principal, Role
from api.auth.principal_cache import PrincipalCache
from api.auth.service import AuthService
from api.auth.tokens import hash_token
from api.db.session import DbSession
from api.errors import Forbidden, Unauthorized
from api.settings import ApiSettings

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="Operator admin token, wallet session token (rs_...) or platform API key (rk_...).",
)
BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


Settings = Annotated[ApiSettings, Depends(get_settings)]


async def bearer_token(credentials: BearerCredentials) -> str | None:
    return credentials.credentials if credentials is not None else None


def _resolve(session: Session, settings: ApiSettings, token: str) -> Principal:
    principal = AuthService(session, settings).resolve(token)
    session.commit()  # ends the read so the connection goes back to the pool meanwhile
    return principal


async def optional_principal(
    credentials: BearerCredentials, session: DbSession, settings: Settings, request: Request
) -> Principal | None:
    if credentials is None:
        return None
    cache: PrincipalCache = request.app.state.principal_cache
    key = hash_token(credentials.credentials)
    principal = cache.get(key)
    if principal is None:
        principal = await run_in_threadpool(_resolve, session, settings, credentials.credentials)
        cache.put(key, principal)
    return principal


def _require(principal: Principal | None, *roles: Role) -> Principal:
    if principal is None:
        raise Unauthorized("authorization: a bearer token is required")
    if principal.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise Forbidden(f"role: this route is for {allowed}, not {principal.role.value}")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


async def any_principal(principal: OptionalPrincipal) -> Principal:
    return _require(principal, Role.OPERATOR, Role.WALLET, Role.PLATFORM)


async def operator_only(principal: OptionalPrincipal) -> Principal:
    return _require(principal, Role.OPERATOR)


async def wallet_only(principal: OptionalPrincipal) -> Principal:
    return _require(principal, Role.WALLET)


async def platform_only(principal: OptionalPrincipal) -> Principal:
    return _require(principal, Role.PLATFORM)


async def operator_or_wallet(principal: OptionalPrincipal) -> Principal:
    return _require(principal, Role.OPERATOR, Role.WALLET)


async def operator_or_platform(principal: OptionalPrincipal) -> Principal:
    return _require(principal, Role.OPERATOR, Role.PLATFORM)


AnyCaller = Annotated[Principal, Depends(any_principal)]
Operator = Annotated[Principal, Depends(operator_only)]
Wallet = Annotated[Principal, Depends(wallet_only)]
PlatformCaller = Annotated[Principal, Depends(platform_only)]
OperatorOrWallet = Annotated[Principal, Depends(operator_or_wallet)]
OperatorOrPlatform = Annotated[Principal, Depends(operator_or_platform)]


def ensure_self_or_operator(principal: Principal, address: str) -> None:
    """A wallet may only read or act for its own address; the operator for anyone."""
    if principal.is_operator or principal.is_wallet(address):
        return
    raise Forbidden(f"address: you may only access your own data, not {address}")


def ensure_platform_or_operator(principal: Principal, platform_id: int) -> None:
    if principal.is_operator:
        return
    if principal.role is Role.PLATFORM and principal.platform_id == platform_id:
        return
    raise Forbidden(f"platform_id: you may only access platform {principal.platform_id}")


async def wallet_self_or_operator(
    address: Annotated[str, Path(description="A wallet address.")], principal: OptionalPrincipal
) -> Principal:
    """For /{address}/... routes: that wallet's session, or the operator."""
    caller = _require(principal, Role.OPERATOR, Role.WALLET)
    ensure_self_or_operator(caller, address)
    return caller


async def platform_self_or_operator(
    platform_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: OptionalPrincipal
) -> Principal:
    """For /platforms/{platform_id}/... routes: that platform's API key, or the operator."""
    caller = _require(principal, Role.OPERATOR, Role.PLATFORM)
    ensure_platform_or_operator(caller, platform_id)
    return caller


SelfOrOperator = Annotated[Principal, Depends(wallet_self_or_operator)]
PlatformSelfOrOperator = Annotated[Principal, Depends(platform_self_or_operator)]
