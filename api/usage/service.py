"""Submits platform usage reports to the oracle's intake and reads their status."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from eth_utils.crypto import keccak
from sqlalchemy import Engine
from sqlmodel import Session

from api.auth.principal import Principal
from api.chain.gateway import ChainGateway
from api.errors import NotFound, Unauthorized
from api.pagination import Page, PageParams
from api.usage.jobs import IntakeJobs
from api.usage.oracle_bridge import oracle_settings
from api.usage.repository import UsageRepository
from api.usage.schemas import (
    QuarantinedUsage,
    ReportHistory,
    ReportIssue,
    ReportVersionOut,
    SubmissionOut,
)
from oracle.catalog import find_platform
from oracle.intake.headers import read_header
from oracle.intake.ingest import ingest_file, receive_file, result_of
from oracle.intake.issues import IssueCollector
from oracle.intake.validate import check_signature
from oracle.settings import OracleSettings
from oracle.store.records import QuarantineEntry, ReportFormat, ReportVersion


def version_out(
    version: ReportVersion, repo: UsageRepository | None, held: list[QuarantineEntry] | None = None
) -> ReportVersionOut:
    errors = repo.errors(version.id) if repo is not None and version.error_count else []
    if held is None:
        held = repo.quarantined(version.id) if repo is not None else []
    return ReportVersionOut(
        version_id=version.id,
        platform_id=version.platform_id,
        report_id=version.report_id,
        version=version.version,
        format=version.format.name.lower(),
        status=version.status.value,
        content_hash=version.content_hash,
        signer=version.signer,
        period_start=version.period_start,
        period_end=version.period_end,
        line_count=version.line_count,
        payable_micro_units=version.payable_micro_units,
        quarantined_micro_units=version.quarantined_micro_units,
        settled_epoch=version.settled_epoch,
        received_at=version.received_at,
        decided_at=version.decided_at,
        error_count=version.error_count,
        errors=[
            ReportIssue(file=e.file, line=e.line, field=e.field, message=e.message) for e in errors
        ],
        quarantined=[
            QuarantinedUsage(
                track_id=q.track_id,
                usage_class=q.usage_class,
                reason=q.reason.value,
                detail=q.detail,
                micro_units=q.micro_units,
                status=q.status.value,
            )
            for q in held
        ],
    )


def more_lines_than(path: Path, limit: int, max_bytes: int) -> bool:
    """Whether the report file has more than `limit` lines (a gzip file counted decompressed).

    Reads at most `max_bytes` decompressed bytes: a file that holds more is large anyway (and a
    gzip bomb costs no more than that)."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    seen = read = 0
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                seen += chunk.count(b"\n")
                read += len(chunk)
                if seen > limit or read > max_bytes:
                    return True
    except (OSError, EOFError, zlib.error):
        return False  # a broken gzip stream: the intake rejects it with the reason, at once
    return False


@dataclass(frozen=True)
class Submission:
    body: SubmissionOut
    #: True when the report was recorded and is decided in the background (answer 202).
    queued: bool


def status_url(platform_id: int, report_id: str) -> str:
    return f"/v1/platforms/{platform_id}/reports/{quote(report_id, safe='')}"


class UsageService:
    def __init__(
        self,
        session: Session,
        chain: ChainGateway,
        engine: Engine,
        jobs: IntakeJobs | None = None,
    ) -> None:
        self.session = session
        self.chain = chain
        self.engine = engine
        self.jobs = jobs
        self.repo = UsageRepository(session)

    def submit(
        self,
        platform_id: int,
        path: Path,
        report_format: ReportFormat,
        signature: str | None,
        file_name: str,
        principal: Principal | None,
    ) -> Submission:
        """Verifies (no key: signature first), records and decides a report.

        A report over `async_report_bytes` (or a CSV/DSR of more than `async_report_lines`
        lines) is only recorded here and decided in the background:
        the answer is 202 with the status URL, where its status moves from received to
        accepted or rejected.
        """
        settings = oracle_settings(self.chain)
        queued = False
        try:
            if principal is None:
                self._require_valid_signature(platform_id, path, report_format, signature, settings)
            now = self.chain.settlement_clock()
            api = self.chain.settings
            background = self.jobs is not None and (
                path.stat().st_size > api.async_report_bytes
                or (
                    report_format is not ReportFormat.JSON
                    and more_lines_than(path, api.async_report_lines, api.async_report_bytes)
                )
            )
            if background:
                assert self.jobs is not None
                version, duplicate = receive_file(
                    settings,
                    self.engine,
                    path,
                    platform_id,
                    report_format=report_format,
                    signature=signature,
                    file_name=file_name,
                )
                if not duplicate:
                    self.jobs.submit(settings, self.engine, version.id, now)
                    queued = True
                result = result_of(self.engine, version, duplicate)
            else:
                result = ingest_file(
                    settings,
                    self.engine,
                    path,
                    platform_id,
                    report_format=report_format,
                    signature=signature,
                    file_name=file_name,
                    now=now,
                )
        finally:
            path.unlink(missing_ok=True)
        url = status_url(platform_id, result.report.report_id)
        body = SubmissionOut(
            duplicate=result.duplicate,
            report=version_out(result.report, None, result.quarantined),
            status_url=url,
        )
        return Submission(body, queued)

    def _require_valid_signature(
        self,
        platform_id: int,
        path: Path,
        report_format: ReportFormat,
        signature: str | None,
        settings: OracleSettings,
    ) -> None:
        """Without an API key, the report must carry a valid signature by the platform's key."""
        platform = find_platform(self.session.connection(), platform_id)
        if platform is None:
            raise NotFound(f"platform_id: no platform {platform_id}")
        header = read_header(path, report_format)
        if report_format is ReportFormat.JSON:
            content_hash = header.content_hash or ""
            signature = signature or header.signature
        else:
            content_hash = "0x" + keccak(path.read_bytes()).hex()
        issues = IssueCollector(path.name, 5)
        signer = check_signature(
            header, report_format, content_hash, signature, platform, settings, issues
        )
        if signer is None:
            reason = str(issues.issues[0].message) if issues.issues else "missing report fields"
            raise Unauthorized(
                f"signature: no API key and the report is not validly signed ({reason})"
            )

    def list(self, platform_id: int, page: PageParams) -> Page[ReportVersionOut]:
        rows, total = self.repo.page(platform_id, page.offset, page.limit)
        return Page[ReportVersionOut](
            items=[version_out(v, self.repo) for v in rows],
            total=total,
            limit=page.limit,
            offset=page.offset,
        )

    def history(self, platform_id: int, report_id: str) -> ReportHistory:
        versions = self.repo.history(platform_id, report_id)
        if not versions:
            raise NotFound(f"report_id: platform {platform_id} has no report {report_id!r}")
        return ReportHistory(
            platform_id=platform_id,
            report_id=report_id,
            versions=[version_out(v, self.repo) for v in versions],
        )
