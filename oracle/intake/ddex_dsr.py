"""DDEX DSR flat files (format 2): DSRF 3.x profiles, one file or a multi-file set.

The layouts, checks and rules are in oracle/intake/dsrf/ and docs/formats.md (DSR section).
This module connects them to the ingest pipeline: `read_dsr_report` has the signature of the
other format readers, `ingest_dsr_files` takes the files of a multi-file report.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine

from chain_client.constants import UNIT_SCALE
from oracle.errors import ReportRejectedError, ValidationIssue
from oracle.intake.dsrf.classes import ClassTable
from oracle.intake.dsrf.naming import (
    MANIFEST_SUFFIX,
    manifest_bytes,
    name_problem,
    read_manifest,
)
from oracle.intake.dsrf.reader import (
    CONTEXTS,
    DsrReader,
    DsrResult,
    Issues,
    head_file_number,
    read_first_line,
)
from oracle.intake.issues import IssueCollector
from oracle.intake.model import KEY_SHIFT, Aggregate, ReportHeader
from oracle.intake.refs import AI_CLASS_VALUES, TrackRefs
from oracle.settings import OracleSettings

RAW_SUFFIX = ".dsr"


@dataclass(frozen=True)
class UnknownUsage:
    """Usage of an ISRC the catalog does not know (quarantined as `unknown_track`)."""

    isrc: str
    usage_class: int
    micro_units: int
    sample_lines: tuple[int, ...]


class RevenueLine(NamedTuple):
    """One aggregated line: (ISRC, class, use type, commercial model, territory, currency)."""

    isrc: str
    track_id: int | None
    usage_class: int
    use_type: str
    commercial_model: str
    territory: str
    currency: str
    units: int
    #: Exact decimal text as summed from the report's cells; "" when the profile has none.
    revenue: str


@dataclass(frozen=True)
class ReportFile:
    file_number: int
    file_name: str
    keccak: str
    raw_path: str


@dataclass
class DsrAggregate(Aggregate):
    profile: str = ""
    unknown: list[UnknownUsage] = field(default_factory=list)
    lines: list[RevenueLine] = field(default_factory=list)
    files: list[ReportFile] = field(default_factory=list)


def _files_of(path: Path, file_name: str) -> tuple[list[tuple[str, Path]], list[ReportFile]]:
    """The report's files: `path` itself, or the files its manifest names in the raw store."""
    entries = read_manifest(path) if path.suffix == MANIFEST_SUFFIX else None
    if entries is None:
        return [(file_name, path)], []
    raw_dir = path.parent.parent
    files, stored = [], []
    for number, name, digest in entries:
        hex_digest = digest.removeprefix("0x")
        raw = raw_dir / hex_digest[:2] / f"{hex_digest}{RAW_SUFFIX}"
        files.append((name, raw))
        relative = f"{raw_dir.name}/{hex_digest[:2]}/{hex_digest}{RAW_SUFFIX}"
        stored.append(ReportFile(number, name, digest, relative))
    return files, stored


def read_dsr(
    path: Path,
    file_name: str,
    by_isrc: dict[str, int],
    issues: Issues,
    classes: ClassTable | None = None,
) -> tuple[DsrResult, list[ReportFile]]:
    files, stored = _files_of(path, file_name)
    missing = [name for name, raw in files if not raw.is_file()]
    for name in missing:
        issues.add(name, None, "", "", "the file of the set is not in the raw store")
    if missing:
        return DsrResult(), stored
    return read_dsr_files(files, by_isrc, issues, classes), stored


def read_dsr_files(
    files: Sequence[tuple[str, Path]],
    by_isrc: dict[str, int],
    issues: Issues,
    classes: ClassTable | None = None,
) -> DsrResult:
    """Reads the (name, path) files of one report and checks their DSRF file names."""
    result = DsrReader(classes or ClassTable(), by_isrc, issues).read(files)
    for stats in result.files:
        why = name_problem(stats.name, stats.file_number, stats.number_of_files, result.sender)
        if why is not None:
            issues.add(stats.name, None, "", "FileName", why)
    return result


def read_dsr_report(
    path: Path,
    file_name: str,
    refs: TrackRefs,
    issues: IssueCollector,
    classes: ClassTable | None = None,
) -> tuple[ReportHeader, DsrAggregate]:
    """Streams the report once; faults go to `issues` as ``RECORD.Column`` fields."""
    found = Issues(issues.cap)
    result, stored = read_dsr(path, file_name, refs.by_isrc, found, classes)
    for item in found.items:
        where = ".".join(part for part in (item.record, item.column) if part) or "file"
        if len(issues.issues) < issues.cap:
            issues.issues.append(ValidationIssue(item.file, item.line, where, item.message))
    issues.total += found.total
    header = ReportHeader(
        report_id=result.message_id,
        message_id=result.message_id,
        period_start=result.period_start,
        period_end=result.period_end,
    )
    return header, to_aggregate(result, refs.by_isrc, issues, stored)


def to_aggregate(
    result: DsrResult,
    by_isrc: dict[str, int],
    issues: IssueCollector,
    stored: Sequence[ReportFile] = (),
) -> DsrAggregate:
    """Per (track, class) micro-units for known ISRCs, unknown-ISRC usage, revenue lines."""
    agg = DsrAggregate(issues, profile=f"{result.profile} {result.profile_version}")
    agg.files = list(stored)
    agg.line_count = result.usage_records
    # Contexts that only differ by summary id fall into one revenue line.
    groups: dict[tuple[int, str, str, str, str], int] = {}
    ctx_group = [
        groups.setdefault(
            (c.usage_class, c.use_type, c.commercial_model, c.territory, c.currency), len(groups)
        )
        for c in result.contexts
    ]
    ctx_class = [c.usage_class for c in result.contexts]
    track_of = [by_isrc.get(isrc) if isrc else None for isrc in result.isrcs]
    micro, first_line, last_line = agg.micro, agg.first_line, agg.last_line
    unknown: dict[tuple[int, int], list[int]] = {}  # (isrc index, class) -> [micro, first, last]
    group_keys = list(groups)
    revenue = result.revenue
    contexts = range(len(result.contexts))
    for isrc_index, (counts, firsts, lasts) in enumerate(result.rows):
        track_id = track_of[isrc_index]
        per_group: dict[int, int] = {}
        moneys: dict[int, Decimal] = {}
        for ctx in contexts:
            last = lasts[ctx]
            if not last:
                continue
            count, first, cls = counts[ctx], firsts[ctx], ctx_class[ctx]
            if track_id is not None:
                packed = track_id * KEY_SHIFT + cls
                current = micro.get(packed)
                if current is None:
                    micro[packed] = count * UNIT_SCALE
                    first_line[packed], last_line[packed] = first, last
                else:
                    micro[packed] = current + count * UNIT_SCALE
                    first_line[packed] = min(first_line[packed], first)
                    last_line[packed] = max(last_line[packed], last)
                if cls in AI_CLASS_VALUES:
                    generated = (track_id, cls)
                    agg.generations[generated] = agg.generations.get(generated, 0) + count
            else:
                held = unknown.setdefault((isrc_index, cls), [0, first, last])
                held[0] += count * UNIT_SCALE
                held[1], held[2] = min(held[1], first), max(held[2], last)
            group = ctx_group[ctx]
            per_group[group] = per_group.get(group, 0) + count
            if revenue:
                money = revenue.get(isrc_index * CONTEXTS + ctx)
                if money is not None:
                    moneys[group] = moneys.get(group, Decimal(0)) + money
        isrc = result.isrcs[isrc_index]
        for group, units in sorted(per_group.items()):
            money = moneys.get(group)
            agg.lines.append(
                RevenueLine(
                    isrc,
                    track_id,
                    *group_keys[group],
                    units,
                    "" if money is None else str(money),
                )
            )
    for (isrc_index, cls), (held_micro, first, last) in sorted(unknown.items()):
        samples = (first,) if first == last else (first, last)
        agg.unknown.append(UnknownUsage(result.isrcs[isrc_index], cls, held_micro, samples))
    return agg


def read_dsr_header(path: Path) -> ReportHeader:
    """MessageId and period from the HEAD of a file (plain or gzip) or of a set's first file."""
    files, _stored = _files_of(path, path.name)
    head = read_first_line(files[0][1]) if files[0][1].is_file() else []
    header = ReportHeader()
    if len(head) >= 11 and head[0] == "HEAD":
        from oracle.intake.dsrf.cells import period_bounds

        message_id = head[4].strip()
        if 1 <= len(message_id) <= 200:
            header.report_id = header.message_id = message_id
        start, end, _why = period_bounds(head[8], head[9])
        header.period_start, header.period_end = start, end
    return header


def ingest_dsr_files(
    settings: OracleSettings,
    engine: Engine,
    paths: Sequence[Path],
    platform_id: int,
    signature: str | None = None,
    now: int | None = None,
) -> object:
    """Ingests the files of one DSR report (any order; `.gz` or plain).

    One file goes through `ingest_file` (its keccak is the signed content). Several files are
    stored one by one, then their manifest (naming.py) is stored as the report's raw file; the
    signature must cover the manifest's keccak. Returns an `IngestResult`.
    """
    from oracle.catalog import get_platform
    from oracle.intake import ingest
    from oracle.intake.raw_store import store_raw_file
    from oracle.store.records import ReportFormat

    if len(paths) == 1:
        return ingest.ingest_file(
            settings, engine, paths[0], platform_id, ReportFormat.DSR, signature, now=now
        )
    for path in paths:
        if not path.is_file():
            raise ReportRejectedError.single(path.name, "file", f"{path} is not a file")
    with engine.connect() as conn:
        get_platform(conn, platform_id)
    entries = []
    for path in paths:
        number = head_file_number(read_first_line(path))
        stored = store_raw_file(path, settings.data_dir, RAW_SUFFIX)
        entries.append((number, path.name, stored.keccak_hex))
    numbers = [e[0] for e in entries]
    if 0 in numbers or len(set(numbers)) != len(numbers):
        raise ReportRejectedError.single(
            ", ".join(p.name for p in paths),
            "HEAD.FileNumber",
            f"every file needs a HEAD with a distinct FileNumber, got {numbers}",
        )
    incoming = settings.data_dir / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    tmp = incoming / f"{uuid.uuid4().hex}{MANIFEST_SUFFIX}"
    try:
        tmp.write_bytes(manifest_bytes(entries))
        manifest = store_raw_file(tmp, settings.data_dir, MANIFEST_SUFFIX)
    finally:
        if tmp.exists():
            os.unlink(tmp)
    header = read_dsr_header(manifest.absolute_path)
    version, duplicate = ingest.record_received(
        engine,
        platform_id=platform_id,
        header=header,
        report_format=ReportFormat.DSR,
        content_hash=manifest.keccak_hex,
        raw_hash=manifest.keccak_hex,
        raw_path=manifest.relative_path,
        file_name=min(paths, key=lambda p: p.name).name,
        signature=signature or "",
    )
    if duplicate:
        return ingest._result(engine, version, duplicate=True)
    return ingest.decide(settings, engine, version.id, now=now)
