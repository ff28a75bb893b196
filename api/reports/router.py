"""Transparency report routes (that contributor's wallet, or the operator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, PlainTextResponse

from api.auth.dependencies import SelfOrOperator
from api.db.session import DbSession
from api.openapi import error_responses
from api.reports.render import to_csv, to_html
from api.reports.schemas import TransparencyReport
from api.reports.service import TransparencyService
from api.types import EthAddress

router = APIRouter(prefix="/v1/reports/contributors", tags=["reports"])

Address = Annotated[EthAddress, Path()]
EpochFrom = Annotated[int, Query(ge=1, le=2**63 - 1, description="First settlement epoch.")]
EpochTo = Annotated[
    int | None, Query(ge=1, le=2**63 - 1, description="Last epoch (default: latest).")
]


@router.get(
    "/{address}",
    response_model=TransparencyReport,
    summary="Transparency report as JSON",
    responses=error_responses(401, 403),
)
def transparency_json(
    address: Address,
    principal: SelfOrOperator,
    session: DbSession,
    epoch_from: EpochFrom = 1,
    epoch_to: EpochTo = None,
) -> TransparencyReport:
    return TransparencyService(session).build(address, epoch_from, epoch_to, principal)


@router.get(
    "/{address}/csv",
    response_class=PlainTextResponse,
    summary="Transparency report as CSV",
    responses={200: {"content": {"text/csv": {}}}, **error_responses(401, 403)},
)
def transparency_csv(
    address: Address,
    principal: SelfOrOperator,
    session: DbSession,
    epoch_from: EpochFrom = 1,
    epoch_to: EpochTo = None,
) -> PlainTextResponse:
    report = TransparencyService(session).build(address, epoch_from, epoch_to, principal)
    return PlainTextResponse(
        to_csv(report),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="transparency-{address}.csv"'},
    )


@router.get(
    "/{address}/html",
    response_class=HTMLResponse,
    summary="Transparency report as a printable HTML page",
    responses=error_responses(401, 403),
)
def transparency_html(
    address: Address,
    principal: SelfOrOperator,
    session: DbSession,
    epoch_from: EpochFrom = 1,
    epoch_to: EpochTo = None,
) -> HTMLResponse:
    report = TransparencyService(session).build(address, epoch_from, epoch_to, principal)
    return HTMLResponse(to_html(report))
