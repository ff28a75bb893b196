"""CSV usage reports (format 1), signed with a detached EIP-712 signature over the file's bytes.

Layout (UTF-8, comma separated, see docs/formats.md)::

    # report_id: 2026-11-W47
    # period_start: 1763337600
    # period_end: 1763942400
    # chain_id: 31337
    track,usage_class,units,attribution
    1,0,120,
    USRC17607839,STREAM,3,
    ,AI_GENERATION,10,1:600000;2:400000

Metadata lines start with ``#`` and hold ``key: value`` (or ``key=value``); report_id, period_start
and period_end (unix seconds, [start, end)) are required, chain_id and platform_id optional.
Then a header row naming the columns: track, usage_class, units are required, attribution optional;
no other column is accepted. ``track`` is a track id or an ISRC. ``attribution`` (AI classes only)
is ``source:weight`` pairs separated by ``;`` with 1e6-scaled weights summing to exactly 1000000;
with an attribution the track column (optional) names the generated track.
Line numbers in errors are physical lines of the file, counting from 1.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from chain_client.constants import UNIT_SCALE
from oracle.intake.issues import IssueCollector
from oracle.intake.lines import LineProcessor
from oracle.intake.model import KEY_SHIFT, Aggregate, ReportHeader
from oracle.intake.refs import CLASS_BY_TEXT, TrackRefs
from oracle.intake.units import MAX_ID_DIGITS, MAX_UNIT_DIGITS, parse_count

REQUIRED_COLUMNS = ("track", "usage_class", "units")
OPTIONAL_COLUMNS = ("attribution",)
_INT_META = ("period_start", "period_end", "chain_id", "platform_id")
_KNOWN_META = ("report_id", *_INT_META)


def parse_meta(text: str, line: int, header: ReportHeader, issues: IssueCollector) -> None:
    body = text.lstrip("#").strip()
    if not body:
        return
    sep = ":" if ":" in body and ("=" not in body or body.index(":") < body.index("=")) else "="
    key, _, value = body.partition(sep)
    key, value = key.strip(), value.strip()
    if key not in _KNOWN_META:
        issues.add(line, key, f"unknown metadata key (expected one of {', '.join(_KNOWN_META)})")
        return
    if key == "report_id":
        if not value or len(value) > 200:
            issues.add(line, key, "report_id must be 1-200 characters")
        header.report_id = value
        return
    number, why = parse_count(value, MAX_ID_DIGITS, key)
    if why is not None:
        issues.add(line, key, why)
        return
    setattr(header, key, number)


def _attribution_pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in text.split(";"):
        source, _, weight = part.partition(":")
        pairs.append((source, weight))
    return pairs


def read_csv_report(
    path: Path, file_name: str, refs: TrackRefs, issues: IssueCollector
) -> tuple[ReportHeader, Aggregate]:
    """Streams `path` once: metadata, header row, then every usage line into an Aggregate."""
    header = ReportHeader()
    agg = Aggregate(issues)
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            _read(handle, header, agg, refs, issues)
    except UnicodeDecodeError as exc:
        issues.add(None, "encoding", f"the file is not UTF-8 ({exc.reason} at byte {exc.start})")
    except csv.Error as exc:
        issues.add(None, "csv", f"malformed CSV: {exc}")
    for key in ("report_id", "period_start", "period_end"):
        if getattr(header, key) is None and not any(i.field == key for i in issues.issues):
            issues.add(None, key, f"metadata line '# {key}: ...' is missing")
    return header, agg


def _read(
    handle: TextIO, header: ReportHeader, agg: Aggregate, refs: TrackRefs, issues: IssueCollector
) -> None:
    line_no = 0
    header_row: str | None = None
    for text in handle:
        line_no += 1
        if text.startswith("#"):
            parse_meta(text, line_no, header, issues)
            continue
        header_row = text
        break
    if header_row is None:
        issues.add(
            line_no + 1,
            "header",
            "the header row (track,usage_class,units[,attribution]) is missing",
        )
        return
    columns = [c.strip().lower() for c in next(csv.reader([header_row]))]
    for name in columns:
        if name not in REQUIRED_COLUMNS and name not in OPTIONAL_COLUMNS:
            issues.add(line_no, "header", f"unknown column {name!r}")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        issues.add(line_no, "header", f"missing column(s): {', '.join(missing)}")
    if len(set(columns)) != len(columns):
        issues.add(line_no, "header", "a column is named twice")
    if issues:
        return
    i_track, i_class, i_units = (columns.index(c) for c in REQUIRED_COLUMNS)
    i_attr = columns.index("attribution") if "attribution" in columns else -1
    width = len(columns)
    base = line_no
    processor = LineProcessor(refs, agg)
    fields = ("track", "usage_class", "units", "attribution")
    by_text = refs.by_text
    classes = CLASS_BY_TEXT
    micro = agg.micro
    first = agg.first_line
    last = agg.last_line
    count = 0
    reader = csv.reader(handle)
    for record in reader:
        line = base + reader.line_num
        count += 1
        if len(record) != width:
            if not record:
                issues.add(line, "line", "empty line")
            else:
                issues.add(line, "line", f"{len(record)} fields, the header has {width}")
            continue
        if i_attr >= 0 and record[i_attr]:
            processor.process(
                line,
                record[i_track],
                record[i_class],
                record[i_units],
                _attribution_pairs(record[i_attr]),
                fields,
            )
            continue
        track_id = by_text.get(record[i_track])
        usage_class = classes.get(record[i_class])
        units = record[i_units]
        if (
            track_id is None
            or usage_class is None
            or not (0 < len(units) <= MAX_UNIT_DIGITS and units.isascii() and units.isdigit())
        ):
            processor.process(line, record[i_track], record[i_class], units, None, fields)
            continue
        key = track_id * KEY_SHIFT + usage_class
        value = int(units) * UNIT_SCALE
        current = micro.get(key)
        if current is None:
            micro[key] = value
            first[key] = line
        else:
            micro[key] = current + value
        last[key] = line
        if usage_class >= 4:
            generated = (track_id, usage_class)
            agg.generations[generated] = agg.generations.get(generated, 0) + int(units)
    agg.line_count = count
