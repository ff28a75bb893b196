"""Usage report routes: a platform submits and reads only its own reports.

Submissions authenticate with the platform's API key, or with no key at all when the report
carries a valid EIP-712 signature by the platform's registered key.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from api.auth.dependencies import (
    OptionalPrincipal,
    PlatformSelfOrOperator,
    ensure_platform_or_operator,
)
from api.auth.principal import Principal
from api.chain.dependencies import Chain
from api.db.session import DbSession
from api.openapi import error_responses
from api.pagination import Page, Pagination
from api.usage.jobs import intake_jobs
from api.usage.schemas import ReportHistory, ReportVersionOut, SubmissionOut
from api.usage.service import Submission, UsageService
from api.usage.uploads import check_json_report, read_upload_form, spool, spool_body
from oracle.store.records import ReportFormat

router = APIRouter(prefix="/v1/platforms/{platform_id}/reports", tags=["usage"])

PlatformId = Annotated[int, Path(ge=1, le=2**63 - 1)]


def submitter(platform_id: PlatformId, principal: OptionalPrincipal) -> Principal | None:
    """An API key must be this platform's (or the operator's); no key means 'signed report'."""
    if principal is not None:
        ensure_platform_or_operator(principal, platform_id)
    return principal


Submitter = Annotated[Principal | None, Depends(submitter)]


class JsonUsageReport(BaseModel):
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "report_id": "2026-11-W47",
                    "platform_id": 1,
                    "chain_id": 31337,
                    "period_start": 1763337600,
                    "period_end": 1763942400,
                    "lines": [{"track": 1, "usage_class": 0, "units": 120}],
                    "signature": "0x" + "ab" * 65,
                }
            ]
        },
    )

    report_id: str = Field(min_length=1, max_length=200)
    platform_id: int | None = None
    chain_id: int | None = None
    period_start: int = Field(ge=0, lt=2**63)
    period_end: int = Field(ge=0, lt=2**63)
    lines: list[dict[str, Any]] = Field(max_length=1_000_000)
    signature: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{130}$")


def _service(request: Request, session: DbSession, chain: Chain) -> UsageService:
    return UsageService(session, chain, request.app.state.engine, intake_jobs(request.app))


Service = Annotated[UsageService, Depends(_service)]

_JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": JsonUsageReport.model_json_schema()}},
    }
}
_FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "signature"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "The report file.",
                        },
                        "signature": {
                            "type": "string",
                            "pattern": r"^0x[0-9a-fA-F]{130}$",
                            "description": "EIP-712 UsageReport signature (65 bytes).",
                        },
                    },
                }
            }
        },
    }
}


def _answer(outcome: Submission, response: Response) -> SubmissionOut:
    if outcome.queued:
        response.status_code = status.HTTP_202_ACCEPTED
        if outcome.body.status_url:
            response.headers["Location"] = outcome.body.status_url
    return outcome.body


@router.post(
    "",
    response_model=SubmissionOut,
    summary="Submit a signed JSON usage report (that platform's key, or a valid signature)",
    description="The body is read only after the API key (if any) is checked, and refused past "
    "`max_json_report_bytes` (413) before it is parsed. A large report answers 202 with a "
    "`status_url` to poll.",
    responses={202: {"model": SubmissionOut}, **error_responses(401, 403, 404, 409, 413, 503)},
    openapi_extra=_JSON_BODY,
)
async def submit_json(
    platform_id: PlatformId,
    principal: Submitter,
    service: Service,
    request: Request,
    response: Response,
) -> SubmissionOut:
    settings = service.chain.settings
    incoming = settings.data_dir / "incoming"
    path = await spool_body(request, incoming, ".json", settings.max_json_report_bytes)
    try:
        report_id = await run_in_threadpool(check_json_report, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    outcome = await run_in_threadpool(
        service.submit, platform_id, path, ReportFormat.JSON, None, f"{report_id}.json", principal
    )
    return _answer(outcome, response)


async def _submit_file(
    platform_id: int,
    request: Request,
    response: Response,
    report_format: ReportFormat,
    principal: Principal | None,
    service: UsageService,
) -> SubmissionOut:
    settings = service.chain.settings
    suffix = ".csv" if report_format is ReportFormat.CSV else ".dsr"
    upload, signature = await read_upload_form(request, settings.max_upload_bytes)
    try:
        path = await run_in_threadpool(
            spool, upload.file, settings.data_dir / "incoming", suffix, settings.max_upload_bytes
        )
    finally:
        await upload.close()
    name = (upload.filename or f"upload{suffix}")[:200]
    outcome = await run_in_threadpool(
        service.submit, platform_id, path, report_format, signature, name, principal
    )
    return _answer(outcome, response)


@router.post(
    "/csv",
    response_model=SubmissionOut,
    summary="Upload a CSV usage report with its detached signature",
    description="Multipart: `file` and `signature`. Read after the API key is checked, refused "
    "past `max_upload_bytes` (413). A large report answers 202 with a `status_url` to poll.",
    responses={202: {"model": SubmissionOut}, **error_responses(401, 403, 404, 409, 413, 503)},
    openapi_extra=_FILE_BODY,
)
async def submit_csv(
    platform_id: PlatformId,
    principal: Submitter,
    service: Service,
    request: Request,
    response: Response,
) -> SubmissionOut:
    return await _submit_file(platform_id, request, response, ReportFormat.CSV, principal, service)


@router.post(
    "/dsr",
    response_model=SubmissionOut,
    summary="Upload a DDEX DSR flat file with its detached signature",
    description="Multipart: `file` and `signature`. Read after the API key is checked, refused "
    "past `max_upload_bytes` (413). A large report answers 202 with a `status_url` to poll.",
    responses={202: {"model": SubmissionOut}, **error_responses(401, 403, 404, 409, 413, 503)},
    openapi_extra=_FILE_BODY,
)
async def submit_dsr(
    platform_id: PlatformId,
    principal: Submitter,
    service: Service,
    request: Request,
    response: Response,
) -> SubmissionOut:
    return await _submit_file(platform_id, request, response, ReportFormat.DSR, principal, service)


@router.get(
    "",
    response_model=Page[ReportVersionOut],
    summary="This platform's report versions, newest first (that platform, or operator)",
    responses=error_responses(401, 403),
)
def list_reports(
    platform_id: PlatformId, principal: PlatformSelfOrOperator, service: Service, page: Pagination
) -> Page[ReportVersionOut]:
    ensure_platform_or_operator(principal, platform_id)
    return service.list(platform_id, page)


@router.get(
    "/{report_id}",
    response_model=ReportHistory,
    summary="One report's versions with status, errors and quarantine (that platform, or operator)",
    responses=error_responses(401, 403, 404),
)
def report_status(
    platform_id: PlatformId,
    report_id: Annotated[str, Path(min_length=1, max_length=200)],
    principal: PlatformSelfOrOperator,
    service: Service,
) -> ReportHistory:
    ensure_platform_or_operator(principal, platform_id)
    return service.history(platform_id, report_id)
