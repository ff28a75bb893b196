"""Contributor routes: a wallet reads and claims only for itself; the operator for anyone."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
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
    SettlementProof,
)
from api.contributors.service import ContributorService
from api.contributors.single_flight import SingleFlight
from api.db.session import DbSession
from api.openapi import error_responses
from api.types import EthAddress

router = APIRouter()
contributor_routes = APIRouter(prefix="/v1/contributors", tags=["contributors"])
settlement_routes = APIRouter(prefix="/v1/settlement", tags=["settlement"])

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


@contributor_routes.get(
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


@contributor_routes.get(
    "/{address}/claimable",
    response_model=Claimable,
    summary="Claimable now per token (that wallet, or operator)",
    responses=error_responses(401, 403, 503),
)
def claimable(
    address: Address, principal: SelfOrOperator, session: DbSession, chain: Chain
) -> Claimable:
    return ContributorService(session, chain).claimable(address, principal)


@contributor_routes.post(
    "/{address}/claims",
    response_model=ClaimOut,
    summary="Relay a gasless claim: one claim/claimMany paying the wallet (that wallet, operator)",
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


@contributor_routes.post(
    "/{address}/claims/calldata",
    response_model=ClaimCalldata,
    summary="The claim's transaction, to send from the contributor's own wallet",
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


@settlement_routes.get(
    "/proof/{account}",
    response_model=SettlementProof,
    summary="An account's settlement leaf and Merkle proof for one token (public)",
    responses=error_responses(404, 503),
)
def settlement_proof(
    account: Annotated[EthAddress, Path(description="The account (a wallet or a split).")],
    token: Annotated[EthAddress, Query(description="The leaf's token (0xEeee...EEeE for ETH).")],
    session: DbSession,
    chain: Chain,
    epoch: Annotated[
        int | None,
        Query(ge=1, le=2**63 - 1, description="Epoch (default: the chain's current root)."),
    ] = None,
) -> SettlementProof:
    """The leaf (account, token, cumulativeAmount) and its proof, read from the stored tree.

    Public: the same leaves are derivable from the epoch's published data file. Pass the
    result to `UsageSettlement.claim(account, token, cumulativeAmount, proof)`, from any
    wallet: it always pays `account`."""
    return ContributorService(session, chain).proof(account, token, epoch)


router.include_router(contributor_routes)
router.include_router(settlement_routes)
