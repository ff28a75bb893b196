"""JSON usage reports (format 0), with the EIP-712 signature inside the document.

Layout (see docs/formats.md)::

    {
      "report_id": "2026-11-W47", "platform_id": 1, "chain_id": 31337,
      "period_start": 1763337600, "period_end": 1763942400,
      "lines": [
        {"track": 1, "usage_class": 0, "units": 120},
        {"track": "USRC17607839", "usage_class": "DOWNLOAD", "units": 3},
        {"track": 9, "usage_class": 4, "units": 10,
         "attribution": [{"track": 1, "weight": 600000}, {"track": 2, "weight": 400000}]}
      ],
      "signature": "0x..."
    }

The signed contentHash is keccak256 of the canonical lines: each element of ``lines`` serialized
with sorted keys, no whitespace, UTF-8 (``json.dumps(line, sort_keys=True, separators=(",", ":"),
ensure_ascii=False)``), joined by ``\\n``. Errors name the line by its 1-based position in
``lines`` and the field as ``lines[i].field``. A JSON document is read whole: JSON reports are
for small and medium files; use CSV or DSR for bulk.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from Crypto.Hash import keccak

from oracle.intake.issues import IssueCollector
from oracle.intake.lines import LineProcessor
from oracle.intake.model import Aggregate, ReportHeader
from oracle.intake.refs import TrackRefs

_LINE_KEYS = frozenset({"track", "usage_class", "units", "attribution"})
_TOP_KEYS = frozenset(
    {"report_id", "platform_id", "chain_id", "period_start", "period_end", "lines", "signature"}
)


class LongDigits(str):
    """A JSON integer literal too long to convert safely, kept as its digits (rejected later)."""

    __slots__ = ()


#: Integer literals longer than this are not converted (Python refuses over 4,300 digits anyway).
_MAX_INT_LITERAL = 40


def _parse_int(text: str) -> int | str:
    return int(text) if len(text) <= _MAX_INT_LITERAL else LongDigits(text)


def load_json(handle: IO[str]) -> Any:
    """json.load that never converts a huge integer literal (raises RecursionError if too deep)."""
    return json.load(handle, parse_int=_parse_int)


def canonical_lines_hash(lines: Iterable[Any]) -> str:
    """0x-prefixed keccak256 of the canonical serialization of `lines` (what the platform signs)."""
    hasher = keccak.new(digest_bits=256)
    for index, line in enumerate(lines):
        if index:
            hasher.update(b"\n")
        text = json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        hasher.update(text.encode("utf-8"))
    return "0x" + hasher.hexdigest()


def _text(value: Any) -> str | None:
    """Scalars as the text the shared line checks parse; booleans and floats stay visibly wrong."""
    if value is None:
        return None
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    return repr(value)


def _int_field(doc: dict[str, Any], key: str, issues: IssueCollector) -> int | None:
    value = doc.get(key)
    if value is None:
        return None
    if isinstance(value, LongDigits):
        issues.add(None, key, f"{key} must be at most 19 digits, got {len(value)} digits")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        shown = repr(value)
        shown = shown if len(shown) <= 40 else shown[:40] + "..."
        issues.add(None, key, f"{key} must be a non-negative integer, got {shown}")
        return None
    if value >= 2**63:
        issues.add(None, key, f"{key} must be below 2^63, got {value}")
        return None
    return value


def read_json_report(
    path: Path, file_name: str, refs: TrackRefs, issues: IssueCollector
) -> tuple[ReportHeader, Aggregate]:
    header = ReportHeader()
    agg = Aggregate(issues)
    try:
        with path.open("r", encoding="utf-8-sig") as handle:
            doc = load_json(handle)
    except RecursionError:
        issues.add(None, "json", "the document is nested too deeply")
        return header, agg
    except UnicodeDecodeError as exc:
        issues.add(None, "encoding", f"the file is not UTF-8 ({exc.reason} at byte {exc.start})")
        return header, agg
    except json.JSONDecodeError as exc:
        issues.add(exc.lineno, "json", f"malformed JSON: {exc.msg} (column {exc.colno})")
        return header, agg
    if not isinstance(doc, dict):
        issues.add(None, "json", "the document must be a JSON object")
        return header, agg
    for key in sorted(set(doc) - _TOP_KEYS):
        issues.add(None, key, "unknown field")
    for key in ("report_id", "period_start", "period_end", "lines"):
        if key not in doc:
            issues.add(None, key, "required field is missing")
    report_id = doc.get("report_id")
    if report_id is not None:
        if not isinstance(report_id, str) or not 1 <= len(report_id) <= 200:
            issues.add(None, "report_id", "report_id must be a string of 1-200 characters")
        else:
            header.report_id = report_id
    header.period_start = _int_field(doc, "period_start", issues)
    header.period_end = _int_field(doc, "period_end", issues)
    header.chain_id = _int_field(doc, "chain_id", issues)
    header.platform_id = _int_field(doc, "platform_id", issues)
    signature = doc.get("signature")
    if signature is not None and not isinstance(signature, str):
        issues.add(None, "signature", "signature must be a hex string")
    elif signature is not None:
        header.signature = signature
    lines = doc.get("lines")
    if lines is None:
        return header, agg
    if not isinstance(lines, list):
        issues.add(None, "lines", "lines must be a list")
        return header, agg
    header.content_hash = canonical_lines_hash(lines)
    processor = LineProcessor(refs, agg)
    for position, item in enumerate(lines, start=1):
        _line(processor, position, item, issues)
    agg.line_count = len(lines)
    return header, agg


def _line(processor: LineProcessor, position: int, item: Any, issues: IssueCollector) -> None:
    prefix = f"lines[{position}]"
    if not isinstance(item, dict):
        issues.add(position, prefix, "a line must be a JSON object")
        return
    for key in sorted(set(item) - _LINE_KEYS):
        issues.add(position, f"{prefix}.{key}", "unknown field")
    pairs: list[tuple[str, str]] | None = None
    attribution = item.get("attribution")
    if attribution is not None:
        if not isinstance(attribution, list) or not all(isinstance(a, dict) for a in attribution):
            issues.add(position, f"{prefix}.attribution", "must be a list of {track, weight}")
            return
        pairs = [(_text(a.get("track")) or "", _text(a.get("weight")) or "") for a in attribution]
    processor.process(
        position,
        _text(item.get("track")),
        _text(item.get("usage_class")) or "",
        _text(item.get("units")) or "",
        pairs,
        (f"{prefix}.track", f"{prefix}.usage_class", f"{prefix}.units", f"{prefix}.attribution"),
    )
