"""Edition routes: public catalogue and purchase transactions; creation by the controller;
mints after off-chain sales by the operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.auth.dependencies import Operator, OperatorOrWallet
from api.chain.dependencies import Chain
from api.db.session import DbSession
from api.editions.schemas import (
    EditionCreate,
    EditionCreated,
    EditionOut,
    MintOut,
    MintRequest,
    PurchaseRequest,
    PurchaseTransactions,
)
from api.editions.service import EditionService
from api.openapi import error_responses
from api.pagination import Page, Pagination

router = APIRouter(prefix="/v1/editions", tags=["editions"])

EditionId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.post(
    "",
    response_model=EditionCreated,
    summary="Create an edition (the track's controller, or the operator when it controls it)",
    responses=error_responses(401, 403, 404, 503),
)
def create_edition(
    body: EditionCreate, principal: OperatorOrWallet, session: DbSession, chain: Chain
) -> EditionCreated:
    return EditionService(session, chain).create(body, principal)


@router.get(
    "",
    response_model=Page[EditionOut],
    summary="List editions with price, supply left and sale window (public)",
    responses=error_responses(),
)
def list_editions(
    session: DbSession,
    chain: Chain,
    page: Pagination,
    track_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> Page[EditionOut]:
    return EditionService(session, chain).list(page, track_id)


@router.get(
    "/{edition_id}",
    response_model=EditionOut,
    summary="One edition (public)",
    responses=error_responses(404),
)
def get_edition(edition_id: EditionId, session: DbSession, chain: Chain) -> EditionOut:
    return EditionService(session, chain).get(edition_id)


@router.post(
    "/{edition_id}/purchase-transactions",
    response_model=PurchaseTransactions,
    summary="The exact transactions a collector signs to buy (public)",
    responses=error_responses(404, 503),
)
def purchase_transactions(
    edition_id: EditionId, body: PurchaseRequest, session: DbSession, chain: Chain
) -> PurchaseTransactions:
    return EditionService(session, chain).purchase_transactions(edition_id, body)


@router.post(
    "/{edition_id}/mints",
    response_model=MintOut,
    status_code=status.HTTP_201_CREATED,
    summary="Mint after an off-chain sale, once per order id (operator)",
    responses=error_responses(401, 403, 404, 409, 503),
)
def mint(
    edition_id: EditionId,
    body: MintRequest,
    _: Operator,
    session: DbSession,
    chain: Chain,
    response: Response,
) -> MintOut:
    order, created = EditionService(session, chain).mint(edition_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return order
