"""Platform routes: onboarding by the operator; a platform reads only its own account."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, UploadFile, status

from api.auth.dependencies import Operator, PlatformSelfOrOperator, ensure_platform_or_operator
from api.chain.dependencies import Chain
from api.db.session import DbSession
from api.openapi import error_responses
from api.pagination import Page, Pagination
from api.platforms.schemas import PlatformBalance, PlatformOnboard, PlatformOnboarded, PlatformOut
from api.platforms.service import PlatformService
from api.usage.uploads import spool
from oracle.intake.dsrf.inspect import inspect_files
from oracle.store.records import ReportFormat

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


_INSPECT_FORMATS = {"dsr": ReportFormat.DSR, "csv": ReportFormat.CSV, "json": ReportFormat.JSON}


@router.post(
    "/{platform_id}/reports/inspect",
    summary="Dry run: would this report be accepted? No signature needed, nothing stored "
    "(that platform, or operator)",
    description="The same JSON as `royalties oracle inspect`: report_id, profile, period, "
    "accepted, totals and errors ({file, line, record, column, message}).",
    responses=error_responses(401, 403, 413),
)
def inspect_report(
    platform_id: PlatformId,
    principal: PlatformSelfOrOperator,
    session: DbSession,
    chain: Chain,
    files: Annotated[list[UploadFile], File(description="The report's file(s).")],
    report_format: Annotated[Literal["dsr", "csv", "json"], Form(alias="format")] = "dsr",
) -> dict[str, Any]:
    ensure_platform_or_operator(principal, platform_id)
    settings = chain.settings
    spooled = []
    try:
        for upload in files:
            path = spool(
                upload.file, settings.data_dir / "incoming", ".inspect", settings.max_upload_bytes
            )
            spooled.append((upload.filename or path.name, path))
        return inspect_files(
            spooled, _INSPECT_FORMATS[report_format], session.connection(), platform_id
        )
    finally:
        for _name, path in spooled:
            path.unlink(missing_ok=True)
