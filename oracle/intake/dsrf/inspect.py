"""Dry run of a report: would it be accepted? Nothing is persisted; no signature is needed.

The answer is a JSON-ready dict: ``report_id``, ``profile``, ``period_start``, ``period_end``,
``accepted``, ``totals`` (aggregated per ISRC or track, usage class, use type, commercial model
and territory) and ``errors`` (``{file, line, record, column, message}``). The CLI
(`royalties oracle inspect`) and the API (`POST /v1/platforms/{id}/reports/inspect`) both call
`inspect_files`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from chain_client.constants import UNIT_SCALE
from oracle.intake.csv_report import read_csv_report
from oracle.intake.ddex_dsr import read_dsr_files
from oracle.intake.dsrf.classes import ClassTable, load_class_table
from oracle.intake.dsrf.naming import file_keccak, keccak_hex, manifest_bytes
from oracle.intake.dsrf.reader import Issues, head_file_number, read_first_line
from oracle.intake.issues import IssueCollector
from oracle.intake.json_report import read_json_report
from oracle.intake.model import KEY_SHIFT
from oracle.intake.refs import TrackRefs
from oracle.store.records import ReportFormat, ReportStatus
from oracle.store.report_repository import report_history

DEFAULT_FUTURE_SKEW = 300


def _empty_refs() -> TrackRefs:
    refs = TrackRefs.__new__(TrackRefs)
    refs.by_text, refs.by_isrc, refs.known_ids = {}, {}, set()
    return refs


def _catalog(conn: Connection | None, platform_id: int | None) -> tuple[TrackRefs, ClassTable]:
    if conn is None:
        return _empty_refs(), ClassTable()
    try:
        refs = TrackRefs(conn)
        classes = load_class_table(conn, platform_id) if platform_id else ClassTable()
    except SQLAlchemyError:  # no oracle tables in this database: an empty catalog
        return _empty_refs(), ClassTable()
    return refs, classes


def inspect_files(
    files: Sequence[tuple[str, Path]],
    report_format: ReportFormat = ReportFormat.DSR,
    conn: Connection | None = None,
    platform_id: int | None = None,
    now: int | None = None,
    max_future_skew: int = DEFAULT_FUTURE_SKEW,
    max_errors: int = 100,
) -> dict[str, Any]:
    refs, classes = _catalog(conn, platform_id)
    errors: list[dict[str, Any]] = []
    total_errors = 0
    answer: dict[str, Any] = {"report_id": None, "profile": None}
    if report_format is ReportFormat.DSR:
        issues = Issues(max_errors)
        result = read_dsr_files(files, refs.by_isrc, issues, classes)
        answer["report_id"] = result.message_id
        answer["profile"] = f"{result.profile} {result.profile_version}" if result.profile else None
        start, end = result.period_start, result.period_end
        answer["totals"] = _dsr_totals(result, refs.by_isrc)
        errors = [
            {
                "file": i.file,
                "line": i.line,
                "record": i.record or None,
                "column": i.column or None,
                "message": i.message,
            }
            for i in issues.items
        ]
        total_errors = issues.total
    else:
        collector = IssueCollector(files[0][0], max_errors)
        reader = read_csv_report if report_format is ReportFormat.CSV else read_json_report
        header, aggregate = reader(files[0][1], files[0][0], refs, collector)
        answer["report_id"] = header.report_id
        start, end = header.period_start, header.period_end
        answer["totals"] = [
            {
                "track": key // KEY_SHIFT,
                "usage_class": key % KEY_SHIFT,
                "units": micro / UNIT_SCALE if micro % UNIT_SCALE else micro // UNIT_SCALE,
            }
            for key, micro in sorted(aggregate.micro.items())
        ]
        errors = [
            {
                "file": i.file,
                "line": i.line,
                "record": None,
                "column": i.field,
                "message": i.message,
            }
            for i in collector.issues
        ]
        total_errors = collector.total
    answer["period_start"], answer["period_end"] = start, end
    extra = _report_checks(files, report_format, conn, platform_id, answer, now, max_future_skew)
    errors += extra
    total_errors += len(extra)
    answer["errors"] = errors[:max_errors]
    answer["error_count"] = total_errors
    answer["accepted"] = total_errors == 0
    return answer


def _dsr_totals(result: Any, by_isrc: dict[str, int]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, int, str, str, str], int] = {}
    for isrc_index, ctx_index, units, _first, _last in result.entries():
        ctx = result.contexts[ctx_index]
        group = (
            result.isrcs[isrc_index],
            ctx.usage_class,
            ctx.use_type,
            ctx.commercial_model,
            ctx.territory,
        )
        merged[group] = merged.get(group, 0) + units
    totals = []
    for (isrc, usage_class, use, model, territory), units in sorted(merged.items()):
        track = by_isrc.get(isrc) if isrc else None
        totals.append(
            {
                "isrc": isrc or None,
                "track": track,
                "known": track is not None,
                "usage_class": usage_class,
                "use_type": use,
                "commercial_model": model,
                "territory": territory,
                "units": units,
            }
        )
    return totals


def _report_checks(
    files: Sequence[tuple[str, Path]],
    report_format: ReportFormat,
    conn: Connection | None,
    platform_id: int | None,
    answer: dict[str, Any],
    now: int | None,
    max_future_skew: int,
) -> list[dict[str, Any]]:
    """Period sanity, and with a store: a DSR MessageId reused for other content."""
    found: list[dict[str, Any]] = []
    name = files[0][0]

    def add(column: str, message: str) -> None:
        found.append(
            {"file": name, "line": None, "record": None, "column": column, "message": message}
        )

    start, end = answer["period_start"], answer["period_end"]
    current = int(time.time()) if now is None else now
    if start is not None and end is not None:
        if start >= end:
            add("period_end", f"period end {end} is not after its start {start}")
        if end > current + max_future_skew:
            add("period_end", f"period ends in the future ({end} > now {current})")
    report_id = answer["report_id"]
    if conn is None or platform_id is None or report_id is None:
        return found
    if report_format is ReportFormat.DSR:
        content = _dsr_content_hash(files)
        try:
            history = report_history(conn, platform_id, report_id)
        except SQLAlchemyError:
            history = []
        for other in history:
            if other.status is not ReportStatus.REJECTED and other.content_hash != content:
                add(
                    "MessageId",
                    f"MessageId {report_id!r} was already used by this sender for other content "
                    f"(report version {other.id}); a DSR MessageId is never reused",
                )
                break
    return found


def _dsr_content_hash(files: Sequence[tuple[str, Path]]) -> str:
    if len(files) == 1:
        return file_keccak(files[0][1])
    entries = []
    for name, path in files:
        number = head_file_number(read_first_line(path))
        entries.append((number, Path(name).name, file_keccak(path)))
    return keccak_hex(manifest_bytes(entries))
