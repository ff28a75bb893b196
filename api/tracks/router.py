"""Track routes: public reads; registration by the operator or the controller's wallet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from api.auth.dependencies import OperatorOrWallet
from api.chain.dependencies import Chain
from api.db.session import DbSession
from api.openapi import error_responses
from api.pagination import Page, Pagination
from api.tracks.schemas import ChainAction, ConsentChange, TierChange, TrackCreate, TrackOut
from api.tracks.service import TrackService
from api.types import EthAddress

router = APIRouter(prefix="/v1/tracks", tags=["tracks"])

TrackId = Annotated[int, Path(ge=1, le=2**63 - 1, description="On-chain track id.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="Replaying the same key returns the first result instead of registering again.",
    ),
]


@router.post(
    "",
    response_model=TrackOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a track and deploy its split (operator, or the controller's wallet)",
    responses=error_responses(401, 403, 409, 503),
)
def register_track(
    body: TrackCreate,
    principal: OperatorOrWallet,
    session: DbSession,
    chain: Chain,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> TrackOut:
    track, created = TrackService(session, chain).register(body, principal, idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
    return track


@router.get(
    "",
    response_model=Page[TrackOut],
    summary="List tracks (public)",
    responses=error_responses(),
)
def list_tracks(
    session: DbSession,
    chain: Chain,
    page: Pagination,
    controller: Annotated[EthAddress | None, Query()] = None,
    contributor: Annotated[EthAddress | None, Query()] = None,
) -> Page[TrackOut]:
    return TrackService(session, chain).list(page, controller, contributor)


@router.get(
    "/{track_id}",
    response_model=TrackOut,
    summary="One track with its metadata and split (public)",
    responses=error_responses(404),
)
def get_track(track_id: TrackId, session: DbSession, chain: Chain) -> TrackOut:
    return TrackService(session, chain).get(track_id)


@router.post(
    "/{track_id}/tier",
    response_model=ChainAction,
    summary="Change the licence tier (the track's controller)",
    responses=error_responses(401, 403, 404, 503),
)
def change_tier(
    track_id: TrackId,
    body: TierChange,
    principal: OperatorOrWallet,
    session: DbSession,
    chain: Chain,
) -> ChainAction:
    return TrackService(session, chain).change_tier(track_id, body, principal)


@router.post(
    "/{track_id}/consent",
    response_model=ChainAction,
    summary="Grant or revoke consent for a usage class (the track's controller)",
    responses=error_responses(401, 403, 404, 503),
)
def change_consent(
    track_id: TrackId,
    body: ConsentChange,
    principal: OperatorOrWallet,
    session: DbSession,
    chain: Chain,
) -> ChainAction:
    return TrackService(session, chain).change_consent(track_id, body, principal)
