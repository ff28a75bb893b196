"""DDEX DSR flat files (format 2): a simplified profile, signed with a detached EIP-712 signature.

One record per line, fields separated by TAB, the first field is the record type. Only the
columns listed here are read; further columns on a record are ignored (real DSR records carry
many more). Line numbers in errors are physical lines counting from 1; a column is named by its
DSR field name.

=========  ====================================================================================
HEAD       first line. col 4 MessageId (the report id; never reused per sender),
           col 8 UsageStartDate, col 9 UsageEndDate (YYYY-MM-DD, UTC, end inclusive: the period is
           [start 00:00, end + 1 day 00:00)), col 10 SenderPartyId (informational).
           Cols 1-3, 5-7 (MessageVersion, Profile, ProfileVersion, MessageCreatedDateTime,
           FileNumber, NumberOfFiles) must be present but are not interpreted.
SY01-SY09  summary. col 1 SummaryRecordId (unique in the file), col 2 TotalUsages: must equal the
           sum of NumberOfUsages over the usage lines that reference it.
SU01-SU09, usage line. col 1 SummaryRecordId (of an SY record, before or after it),
RU01-RU09  col 2 ISRC (CC-XXX-YY-NNNNN, hyphens optional), col 3 UseType (a class number 0-5,
           a class name, or a DSR use type: Stream, OnDemandStream, NonInteractiveStream,
           PermanentDownload, UserGeneratedContent, Sync, AIGeneration, AIRemix),
           col 4 NumberOfUsages (non-negative integer).
FOOT       last line. col 1 NumberOfLinesInFile (HEAD and FOOT included),
           col 2 NumberOfSummaryRecords, col 3 NumberOfUsageRecords.
=========  ====================================================================================

Any other record type, an empty line, or a line after FOOT is a structural fault.
DSR lines carry no attribution: an AI class line pays the ISRC's track in full.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

from chain_client.constants import UNIT_SCALE, UsageClass
from oracle.intake.issues import IssueCollector
from oracle.intake.lines import LineProcessor
from oracle.intake.model import KEY_SHIFT, Aggregate, ReportHeader
from oracle.intake.refs import CLASS_BY_TEXT, TrackRefs
from oracle.intake.units import MAX_UNIT_DIGITS, is_plain_count, parse_count

SECONDS_PER_DAY = 86_400

USE_TYPES: dict[str, int] = {
    **CLASS_BY_TEXT,
    "Stream": int(UsageClass.STREAM),
    "OnDemandStream": int(UsageClass.STREAM),
    "NonInteractiveStream": int(UsageClass.STREAM),
    "PermanentDownload": int(UsageClass.DOWNLOAD),
    "UserGeneratedContent": int(UsageClass.UGC_VIDEO),
    "Sync": int(UsageClass.SYNC),
    "AIGeneration": int(UsageClass.AI_GENERATION),
    "AIRemix": int(UsageClass.AI_REMIX),
}
_USAGE_RECORDS = frozenset({f"{p}0{n}" for p in ("SU", "RU") for n in range(1, 10)})
_SUMMARY_RECORDS = frozenset({f"SY0{n}" for n in range(1, 10)})
_HEAD_FIELDS = 11
_FIELDS = ("ISRC", "UseType", "NumberOfUsages", "")


def _date_start(text: str) -> int | None:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        return None
    return calendar.timegm(day.timetuple())


def read_head(fields: list[str], header: ReportHeader, issues: IssueCollector) -> None:
    if len(fields) < _HEAD_FIELDS:
        issues.add(
            1, "HEAD", f"{len(fields)} columns, the HEAD record needs at least {_HEAD_FIELDS}"
        )
        return
    message_id = fields[4].strip()
    if not message_id or len(message_id) > 200:
        issues.add(1, "MessageId", "MessageId must be 1-200 characters")
    header.report_id = header.message_id = message_id
    start = _date_start(fields[8])
    end = _date_start(fields[9])
    if start is None:
        issues.add(1, "UsageStartDate", f"not a date YYYY-MM-DD: {fields[8]!r}")
    if end is None:
        issues.add(1, "UsageEndDate", f"not a date YYYY-MM-DD: {fields[9]!r}")
    header.period_start = start
    header.period_end = end + SECONDS_PER_DAY if end is not None else None


def _count(text: str, line: int, field: str, issues: IssueCollector) -> int | None:
    number, why = parse_count(text, MAX_UNIT_DIGITS, field)
    if why is None:
        return number
    issues.add(line, field, why)
    return None


def read_dsr_report(
    path: Path, file_name: str, refs: TrackRefs, issues: IssueCollector
) -> tuple[ReportHeader, Aggregate]:
    """Streams `path` once, checking structure, FOOT counts and summary totals as it goes."""
    header = ReportHeader()
    agg = Aggregate(issues)
    summaries: dict[str, tuple[int, int | None]] = {}  # id -> (line, declared total)
    sums: dict[str, int] = {}  # summary id -> sum of NumberOfUsages
    first_ref: dict[str, int] = {}  # summary id -> first usage line naming it
    processor = LineProcessor(refs, agg, isrc_only=True)
    by_isrc = refs.by_isrc
    micro = agg.micro
    first = agg.first_line
    last = agg.last_line
    usage_records = _USAGE_RECORDS
    line = 0
    usage_count = 0
    foot: list[str] | None = None
    foot_line = 0
    use_types = USE_TYPES
    run_id = ""
    run_sum = 0
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            for text in handle:
                line += 1
                fields = text.rstrip("\r\n").split("\t")
                kind = fields[0]
                if kind in usage_records and len(fields) >= 5 and foot is None:
                    usage_count += 1
                    summary_id = fields[1]
                    if summary_id != run_id:
                        # Lines of one summary are usually consecutive: sum them in a local.
                        sums[run_id] = sums.get(run_id, 0) + run_sum
                        run_id, run_sum = summary_id, 0
                        if summary_id not in first_ref:
                            first_ref[summary_id] = line
                    units = fields[4]
                    track_id = by_isrc.get(fields[2])
                    usage_class = use_types.get(fields[3])
                    if track_id is None or usage_class is None or not is_plain_count(units):
                        processor.process(line, fields[2], fields[3], units, None, _FIELDS)
                        if is_plain_count(units.strip()):
                            run_sum += int(units)
                        continue
                    count = int(units)
                    run_sum += count
                    key = track_id * KEY_SHIFT + usage_class
                    value = count * UNIT_SCALE
                    current = micro.get(key)
                    if current is None:
                        micro[key] = value
                        first[key] = line
                    else:
                        micro[key] = current + value
                    last[key] = line
                    if usage_class >= 4:
                        generated = (track_id, usage_class)
                        agg.generations[generated] = agg.generations.get(generated, 0) + count
                    continue
                if foot is not None:
                    issues.add(line, "RecordType", "a record after FOOT")
                elif line == 1:
                    if kind != "HEAD":
                        issues.add(1, "RecordType", f"the first record must be HEAD, got {kind!r}")
                    else:
                        read_head(fields, header, issues)
                elif kind in _SUMMARY_RECORDS:
                    if len(fields) < 3:
                        issues.add(line, kind, f"{len(fields)} columns, a summary record needs 3")
                        continue
                    if fields[1] in summaries:
                        issues.add(line, "SummaryRecordId", f"{fields[1]!r} used twice")
                    total = _count(fields[2], line, "TotalUsages", issues)
                    summaries[fields[1]] = (line, total)
                elif kind in usage_records:
                    usage_count += 1
                    issues.add(line, kind, f"{len(fields)} columns, a usage record needs 5")
                elif kind == "FOOT":
                    foot, foot_line = fields, line
                elif kind == "HEAD":
                    issues.add(line, "RecordType", "a second HEAD record")
                elif not text.strip():
                    issues.add(line, "RecordType", "empty line")
                else:
                    issues.add(line, "RecordType", f"unknown record type {kind!r}")
    except UnicodeDecodeError as exc:
        issues.add(None, "encoding", f"the file is not UTF-8 ({exc.reason} at byte {exc.start})")
        return header, agg
    sums[run_id] = sums.get(run_id, 0) + run_sum
    sums.pop("", None)
    agg.line_count = usage_count
    if line == 0:
        issues.add(None, "HEAD", "the file is empty")
        return header, agg
    _check_foot(foot, foot_line, line, len(summaries), usage_count, issues)
    for summary_id, (summary_line, total) in summaries.items():
        actual = sums.get(summary_id, 0)
        if total is not None and total != actual:
            issues.add(
                summary_line,
                "TotalUsages",
                f"summary {summary_id!r} declares {total} usages, its usage lines sum to {actual}",
            )
    for summary_id, ref_line in first_ref.items():
        if summary_id not in summaries:
            issues.add(ref_line, "SummaryRecordId", f"no SY record with id {summary_id!r}")
    return header, agg


def _check_foot(
    foot: list[str] | None,
    foot_line: int,
    lines: int,
    summary_count: int,
    usage_count: int,
    issues: IssueCollector,
) -> None:
    if foot is None:
        issues.add(lines, "FOOT", "the FOOT record is missing (truncated file?)")
        return
    if len(foot) < 4:
        issues.add(foot_line, "FOOT", f"{len(foot)} columns, the FOOT record needs 4")
        return
    expected = (
        ("NumberOfLinesInFile", foot[1], lines),
        ("NumberOfSummaryRecords", foot[2], summary_count),
        ("NumberOfUsageRecords", foot[3], usage_count),
    )
    for field, text, actual in expected:
        declared = _count(text, foot_line, field, issues)
        if declared is not None and declared != actual:
            issues.add(foot_line, field, f"FOOT declares {declared}, the file has {actual}")
