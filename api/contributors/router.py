"""Contributor routes: a wallet reads and claims only for itself; the operator for anyone."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.auth.dependencies import SelfOrOperator
from api.chain.dependencies import Chain
from api.contributors.dashboard_cache import DashboardCache
from api.contributors.schemas import (
    Claimable,
    ClaimCalldata,
    ClaimOut,
    ClaimRequest,
    ContributorDashboard,
)
from api.contributors.service import ContributorService
from api.contributors.single_flight import SingleFlight
from api.db.session import DbSession
from api.openapi import error_responses
from api.types import EthAddress

router = APIRouter(prefix="/v1/contributors", tags=["contributors"])

Address = Annotated[EthAddress, Path(description="The contributor's wallet address.")]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="Required: a retried claim with the same key returns the first result.",
    ),
]


@router.get(
    "/{address}/dashboard",
    response_model=ContributorDashboard,
    summary="Usage, AI generations and earnings per track and period (that wallet, or operator)",
    responses=error_responses(401, 403),
)
async def dashboard(
    address: Address, principal: SelfOrOperator, session: DbSession, chain: Chain, request: Request
) -> Response:
    # The hot path runs on the event loop: a cache hit costs one small indexed query, cheaper
    # than a threadpool hop. Only a miss (a full build, ~100 ms) goes to the threadpool.
    cache: DashboardCache = request.app.state.dashboard_cache
    service = ContributorService(session, chain)
    body, version = service.cached_dashboard_json(address, principal, cache)
    if body is None:
        builds: SingleFlight = request.app.state.dashboard_builds

        def build() -> Awaitable[bytes]:
            return run_in_threadpool(
                service.build_dashboard_json, address, principal, cache, version
            )

        body = await builds.run((address.lower(), version), build)
    return Response(content=body, media_type="application/json")


@router.get(
    "/{address}/claimable",
    response_model=Claimable,
    summary="Claimable now per token (that wallet, or operator)",
    responses=error_responses(401, 403, 503),
)
def claimable(
    address: Address, principal: SelfOrOperator, session: DbSession, chain: Chain
) -> Claimable:
    return ContributorService(session, chain).claimable(address, principal)


@router.post(
    "/{address}/claims",
    response_model=ClaimOut,
    summary="Relay a gasless claim: pulls, then releaseMany to the wallet (that wallet, operator)",
    responses=error_responses(401, 403, 409, 429, 503),
)
def relay_claim(
    address: Address,
    body: ClaimRequest,
    principal: SelfOrOperator,
    session: DbSession,
    chain: Chain,
    idempotency_key: IdempotencyKey,
) -> ClaimOut:
    return ContributorService(session, chain).relay(address, body, idempotency_key, principal)


@router.post(
    "/{address}/claims/calldata",
    response_model=ClaimCalldata,
    summary="The claim's transactions, to send from the contributor's own wallet",
    responses=error_responses(401, 403, 503),
)
def claim_calldata(
    address: Address,
    body: ClaimRequest,
    principal: SelfOrOperator,
    session: DbSession,
    chain: Chain,
) -> ClaimCalldata:
    return ContributorService(session, chain).calldata(address, body, principal)
