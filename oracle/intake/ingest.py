"""Ingesting one report file: persist raw, record, validate, aggregate, quarantine, decide.

Order of events, each safe to interrupt:
1. the file is copied into the content-addressed raw store (fsync, atomic rename);
2. a report row is committed with status ``received`` (raw path, signature, report id, period);
3. the stored copy is parsed and checked; one transaction then writes the aggregated rows,
   the quarantine entries and the decision (accepted with an intake sequence number, or
   rejected with its errors).
A crash between 2 and 3 leaves a ``received`` row: sending the same file again, or
`recover_pending`, finishes it. Rows of an undecided version are only written in step 3's
transaction, so nothing is counted twice. Only after step 3 is the result returned (the ack).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from oracle.catalog import Platform, get_platform, get_tracks
from oracle.errors import (
    ConfigurationError,
    DuplicateMessageError,
    OracleError,
    ReportRejectedError,
    StoreError,
    ValidationIssue,
)
from oracle.intake.csv_report import read_csv_report
from oracle.intake.ddex_dsr import read_dsr_report
from oracle.intake.dsrf.classes import load_class_table
from oracle.intake.dsrf.store import record_dsr_extras
from oracle.intake.headers import read_header
from oracle.intake.issues import IssueCollector
from oracle.intake.json_report import read_json_report
from oracle.intake.model import KEY_SHIFT, Aggregate, ReportHeader
from oracle.intake.raw_store import store_raw_file
from oracle.intake.refs import TrackRefs
from oracle.intake.validate import (
    check_header,
    check_platform_cap,
    check_report_caps,
    check_settled_overlap,
    check_signature,
)
from oracle.rules import classify
from oracle.settings import OracleSettings
from oracle.store import report_repository as reports_repo
from oracle.store.quarantine_repository import list_quarantine
from oracle.store.records import QuarantineEntry, ReportFormat, ReportStatus, ReportVersion
from oracle.store.usage_repository import trailing_usage
from oracle.store.write_lock import run_write

log = logging.getLogger(__name__)

SUFFIXES: dict[ReportFormat, str] = {
    ReportFormat.JSON: ".json",
    ReportFormat.CSV: ".csv",
    ReportFormat.DSR: ".dsr",
}
_FORMAT_BY_SUFFIX = {".json": ReportFormat.JSON, ".csv": ReportFormat.CSV, ".tsv": ReportFormat.DSR}
_FORMAT_BY_SUFFIX[".dsr"] = ReportFormat.DSR
_FORMAT_BY_SUFFIX[".gz"] = ReportFormat.DSR  # DSRF files may come gzip-compressed
_READERS = {
    ReportFormat.JSON: read_json_report,
    ReportFormat.CSV: read_csv_report,
    ReportFormat.DSR: read_dsr_report,
}


@dataclass(frozen=True)
class IngestResult:
    report: ReportVersion
    #: True when this exact content was already accepted: nothing new was counted.
    duplicate: bool
    quarantined: list[QuarantineEntry]


def detect_format(path: Path, explicit: ReportFormat | None) -> ReportFormat:
    if explicit is not None:
        return explicit
    found = _FORMAT_BY_SUFFIX.get(path.suffix.lower())
    if found is None:
        raise ReportRejectedError.single(
            path.name, "format", "cannot tell the format from the file name: pass json, csv or dsr"
        )
    return found


def ingest_file(
    settings: OracleSettings,
    engine: Engine,
    path: Path,
    platform_id: int,
    report_format: ReportFormat | None = None,
    signature: str | None = None,
    file_name: str | None = None,
    now: int | None = None,
) -> IngestResult:
    """Ingests one report file for `platform_id`; raises ReportRejectedError listing its faults.

    A rejected report stays recorded (raw file and row); sending the same content again
    validates it again (nothing of it was counted). CSV and DSR need `signature` (detached);
    JSON carries its own (a `signature` argument overrides it).
    """
    version, duplicate = receive_file(
        settings, engine, path, platform_id, report_format, signature, file_name
    )
    if duplicate:
        return _result(engine, version, duplicate=True)
    return decide(settings, engine, version.id, now=now)


def receive_file(
    settings: OracleSettings,
    engine: Engine,
    path: Path,
    platform_id: int,
    report_format: ReportFormat | None = None,
    signature: str | None = None,
    file_name: str | None = None,
) -> tuple[ReportVersion, bool]:
    """Steps 1 and 2: the raw copy and the ``received`` row; (version, already accepted?).

    Cheap (only the header is read), so a large report can be acknowledged with 202 and decided
    in the background with `decide`.
    """
    name = file_name or path.name
    if not path.is_file():
        raise ReportRejectedError.single(name, "file", f"{path} does not exist or is not a file")
    fmt = detect_format(path, report_format)
    with engine.connect() as conn:
        get_platform(conn, platform_id)
    stored = store_raw_file(path, settings.data_dir, SUFFIXES[fmt])
    header = read_header(stored.absolute_path, fmt)
    content_hash = header.content_hash if fmt is ReportFormat.JSON else stored.keccak_hex
    return record_received(
        engine,
        platform_id=platform_id,
        header=header,
        report_format=fmt,
        content_hash=content_hash or stored.keccak_hex,
        raw_hash=stored.keccak_hex,
        raw_path=stored.relative_path,
        file_name=name,
        signature=signature or header.signature or "",
    )


def result_of(engine: Engine, version: ReportVersion, duplicate: bool) -> IngestResult:
    """The IngestResult of a recorded version (its quarantine entries included)."""
    return _result(engine, version, duplicate)


class StaleVersionError(OracleError):
    """Content that is not a duplicate of the version in force, and cannot be applied as sent."""


def record_received(
    engine: Engine,
    *,
    platform_id: int,
    header: ReportHeader,
    report_format: ReportFormat,
    content_hash: str,
    raw_hash: str,
    raw_path: str,
    file_name: str,
    signature: str,
) -> tuple[ReportVersion, bool]:
    """(version, already accepted?) for this content, inserting a received row when new.

    Dedupe covers the whole signed content: report id, content hash and period. The exact version
    in force again is a duplicate (nothing counted twice). A rejected version with the same
    content hash is reopened with the new file and signature, so it is checked against what was
    sent now. An older, superseded version sent again is refused (StaleVersionError, a 409):
    applying it silently would be a rollback the platform may not mean.
    """
    report_id = header.report_id or ""
    period = (header.period_start, header.period_end)

    def work(conn: Connection) -> tuple[ReportVersion, bool]:
        existing = reports_repo.find_version(conn, platform_id, report_id, content_hash)
        if existing is not None:
            same_period = (existing.period_start, existing.period_end) == period
            if existing.status is ReportStatus.ACCEPTED and same_period:
                return existing, True
            if existing.status is ReportStatus.SUPERSEDED:
                newer = existing.superseded_by_id
                raise StaleVersionError(
                    f"report_id: report {report_id!r} version {existing.version} with this "
                    f"content was superseded by a correction (version id {newer}); sending it "
                    "again would roll the correction back. To roll back, send it as a new "
                    "correction with changed content (e.g. a new line order) and a new signature"
                )
            if existing.status is ReportStatus.ACCEPTED:
                raise StaleVersionError(
                    f"period_start: report {report_id!r} version {existing.version} has the same "
                    f"lines and was accepted for period [{existing.period_start}, "
                    f"{existing.period_end}); these lines with period [{period[0]}, {period[1]}) "
                    "need a new report id, or changed lines as a correction"
                )
            if existing.status is ReportStatus.REJECTED:
                reports_repo.reopen_rejected(
                    conn,
                    existing.id,
                    signature,
                    raw_hash=raw_hash,
                    raw_path=raw_path,
                    file_name=file_name,
                    message_id=header.message_id,
                    period_start=header.period_start,
                    period_end=header.period_end,
                )
            elif not same_period:
                raise StaleVersionError(
                    f"period_start: report {report_id!r} version {existing.version} with the same "
                    "lines and another period is still being processed; send again once it is "
                    "decided"
                )
            refreshed = reports_repo.get_report(conn, existing.id)
            assert refreshed is not None
            return refreshed, False
        version_id = reports_repo.insert_received(
            conn,
            platform_id=platform_id,
            report_id=report_id,
            message_id=header.message_id,
            report_format=report_format,
            content_hash=content_hash,
            raw_hash=raw_hash,
            raw_path=raw_path,
            file_name=file_name,
            signature=signature,
            period_start=header.period_start,
            period_end=header.period_end,
        )
        created = reports_repo.get_report(conn, version_id)
        assert created is not None
        return created, False

    for _attempt in range(3):
        try:
            return run_write(engine, work)
        except IntegrityError:
            continue  # the same content was recorded concurrently (another process): read again
    raise StoreError(f"could not record report {report_id!r} of platform {platform_id}")


def decide(
    settings: OracleSettings, engine: Engine, version_id: int, now: int | None = None
) -> IngestResult:
    """Parses and checks a received version from its stored raw file, then accepts or rejects it.

    Whatever goes wrong while reading the file (a reader bug, an unreadable file) rejects this
    version with the reason; it never leaves the row ``received``.
    """
    with engine.connect() as conn:
        version = reports_repo.get_report(conn, version_id)
        if version is None:
            raise StoreError(f"report version {version_id} does not exist")
        if version.status is not ReportStatus.RECEIVED:
            return _result(engine, version, duplicate=True)
        platform = get_platform(conn, version.platform_id)
        refs = TrackRefs(conn)
        classes = load_class_table(conn, version.platform_id)
        history = reports_repo.report_history(conn, version.platform_id, version.report_id)
    issues = IssueCollector(version.file_name, settings.max_listed_errors)
    path = settings.data_dir / version.raw_path
    header, aggregate = ReportHeader(), Aggregate(issues)
    if not path.is_file():
        issues.add(None, "file", f"the stored raw file {version.raw_path} is missing")
    else:
        try:
            if version.format is ReportFormat.DSR:
                header, aggregate = read_dsr_report(path, version.file_name, refs, issues, classes)
            else:
                header, aggregate = _READERS[version.format](path, version.file_name, refs, issues)
        except Exception as exc:  # any reading fault rejects this version, never the process
            log.exception("reading report version %s failed", version_id)
            issues.add(None, "file", f"could not be read: {type(exc).__name__}: {exc}"[:500])
            header, aggregate = ReportHeader(), Aggregate(issues)
    check_report_caps(aggregate, settings)
    check_header(header, platform, settings, issues, now=now)
    message_reused = _check_message_id(version, history, issues)
    signer = None
    if path.is_file():
        signer = check_signature(
            header,
            version.format,
            version.content_hash,
            version.signature,
            platform,
            settings,
            issues,
        )
    report_total = sum(aggregate.micro.values())
    listed, counted = list(issues.issues), issues.total

    def work(conn: Connection) -> bool:
        issues.issues, issues.total = list(listed), counted  # a retried attempt starts afresh
        if reports_repo.lock_for_decision(conn, version_id) is not ReportStatus.RECEIVED:
            return False
        current_history = reports_repo.report_history(conn, platform.platform_id, version.report_id)
        is_correction = any(
            v.status in (ReportStatus.ACCEPTED, ReportStatus.SUPERSEDED) for v in current_history
        )
        check_settled_overlap(conn, header, platform.platform_id, is_correction, issues)
        if not issues and signer is not None:
            check_platform_cap(
                conn, platform.platform_id, version.report_id, report_total, settings, issues
            )
        if issues or signer is None:
            if not issues:
                issues.add(None, "signature", "the signature could not be verified")
            reports_repo.record_rejection(
                conn, version_id, issues.issues, issues.total, line_count=aggregate.line_count
            )
        else:
            _accept(conn, settings, version_id, platform, header, aggregate, signer)
            record_dsr_extras(conn, version_id, aggregate)
        return True

    if not run_write(engine, work):
        return _result(engine, _reload(engine, version_id), duplicate=True)
    if issues:
        error = issues.error()
        if message_reused:
            raise DuplicateMessageError(error.issues, error.total_issues)
        raise error
    return _result(engine, _reload(engine, version_id), duplicate=False)


def _reload(engine: Engine, version_id: int) -> ReportVersion:
    with engine.connect() as conn:
        version = reports_repo.get_report(conn, version_id)
    if version is None:
        raise StoreError(f"report version {version_id} disappeared")
    return version


def _check_message_id(
    version: ReportVersion, history: list[ReportVersion], issues: IssueCollector
) -> bool:
    """DDEX: a MessageId is never reused per sender, so other content under it is refused."""
    if version.format is not ReportFormat.DSR:
        return False
    for other in history:
        if other.id != version.id and other.status is not ReportStatus.REJECTED:
            issues.add(
                1,
                "MessageId",
                f"MessageId {version.report_id!r} was already used by this sender for other "
                f"content (report version {other.id}); a DSR MessageId is never reused",
            )
            return True
    return False


def _accept(
    conn: Connection,
    settings: OracleSettings,
    version_id: int,
    platform: Platform,
    header: ReportHeader,
    aggregate: Aggregate,
    signer: str,
) -> None:
    assert header.period_start is not None
    assert header.period_end is not None
    track_ids = {key // KEY_SHIFT for key in aggregate.micro}
    tracks = get_tracks(conn, track_ids)
    trailing = trailing_usage(conn, platform.platform_id, settings.spike_window)
    payable, held = classify(
        aggregate,
        tracks,
        (header.period_start, header.period_end),
        platform.max_units_per_report,
        trailing,
        settings.spike_multiple,
        settings.spike_min_units,
    )
    reports_repo.record_acceptance(
        conn,
        version_id,
        signer=signer,
        line_count=aggregate.line_count,
        usage_rows=payable,
        generation_rows=aggregate.generations,
        quarantined=held,
    )


def _result(engine: Engine, version: ReportVersion, duplicate: bool) -> IngestResult:
    with engine.connect() as conn:
        held = list_quarantine(conn, status=None, report_version_id=version.id, limit=10_000)
    return IngestResult(report=version, duplicate=duplicate, quarantined=held)


def recover_pending(
    settings: OracleSettings, engine: Engine, min_age_seconds: int = 0
) -> list[IngestResult | ReportRejectedError]:
    """Finishes every version left ``received`` by a crash (oldest first).

    Only versions received at least `min_age_seconds` ago are taken (the worker passes 600 s so it
    never races a request that is deciding its own report). A version that cannot be decided
    (its platform is gone, the store refuses it) is marked rejected with the reason and recovery
    goes on with the next one. Only a configuration error (nothing could be decided) stops it.
    """
    with engine.connect() as conn:
        pending = reports_repo.received_versions(conn)
    outcomes: list[IngestResult | ReportRejectedError] = []
    oldest = int(time.time()) - min_age_seconds
    for version_id, received_at, file_name in pending:
        if received_at > oldest:
            continue  # its own request (or background job) is probably still deciding it
        try:
            outcomes.append(decide(settings, engine, version_id))
        except ReportRejectedError as exc:
            outcomes.append(exc)
        except ConfigurationError:
            raise
        except Exception as exc:  # one bad row never stops the recovery of the others
            log.exception("recovering report version %s failed", version_id)
            outcomes.append(_mark_failed(engine, version_id, file_name, exc))
    return outcomes


def _mark_failed(
    engine: Engine, version_id: int, file_name: str, exc: Exception
) -> ReportRejectedError:
    reason = f"could not be decided: {type(exc).__name__}: {exc}"[:500]
    issue = ValidationIssue(file_name or f"report version {version_id}", None, "file", reason)

    def work(conn: Connection) -> None:
        if reports_repo.lock_for_decision(conn, version_id) is ReportStatus.RECEIVED:
            reports_repo.record_rejection(conn, version_id, [issue], 1)

    run_write(engine, work)
    return ReportRejectedError([issue], 1)
