"""Platform routes: onboarding by the operator; a platform reads only its own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api.auth.dependencies import Operator, PlatformSelfOrOperator
from api.chain.dependencies import Chain
from api.db.session import DbSession
from api.openapi import error_responses
from api.pagination import Page, Pagination
from api.platforms.schemas import PlatformBalance, PlatformOnboard, PlatformOnboarded, PlatformOut
from api.platforms.service import PlatformService

router = APIRouter(prefix="/v1/platforms", tags=["platforms"])

PlatformId = Annotated[int, Path(ge=1, le=2**63 - 1, description="On-chain platform id.")]


@router.post(
    "",
    response_model=PlatformOnboarded,
    status_code=status.HTTP_201_CREATED,
    summary="Onboard a platform: rate card on chain, returns its API key once (operator)",
    responses=error_responses(401, 403, 409, 503),
)
def onboard_platform(
    body: PlatformOnboard, _: Operator, session: DbSession, chain: Chain
) -> PlatformOnboarded:
    return PlatformService(session, chain).onboard(body)


@router.get(
    "",
    response_model=Page[PlatformOut],
    summary="List platforms (operator)",
    responses=error_responses(401, 403),
)
def list_platforms(
    _: Operator, session: DbSession, chain: Chain, page: Pagination
) -> Page[PlatformOut]:
    return PlatformService(session, chain).list(page)


@router.get(
    "/{platform_id}",
    response_model=PlatformOut,
    summary="One platform (operator, or that platform)",
    responses=error_responses(401, 403, 404),
)
def get_platform(
    platform_id: PlatformId, principal: PlatformSelfOrOperator, session: DbSession, chain: Chain
) -> PlatformOut:
    return PlatformService(session, chain).get(platform_id, principal)


@router.get(
    "/{platform_id}/balance",
    response_model=PlatformBalance,
    summary="Escrow held and usage owed (operator, or that platform)",
    responses=error_responses(401, 403, 404, 503),
)
def platform_balance(
    platform_id: PlatformId, principal: PlatformSelfOrOperator, session: DbSession, chain: Chain
) -> PlatformBalance:
    return PlatformService(session, chain).balance(platform_id, principal)
