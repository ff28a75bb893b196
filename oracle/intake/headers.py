"""Reading only the signed metadata of a stored report (cheap: the head of CSV and DSR files)."""

from __future__ import annotations

from pathlib import Path

from oracle.intake.csv_report import parse_meta
from oracle.intake.ddex_dsr import read_dsr_header
from oracle.intake.issues import IssueCollector
from oracle.intake.json_report import canonical_lines_hash, load_json
from oracle.intake.model import ReportHeader
from oracle.store.records import ReportFormat


def read_header(path: Path, report_format: ReportFormat) -> ReportHeader:
    """The report id, period and (JSON) content hash; fields that cannot be read stay None.

    Faults are not reported here: the full parse that follows reports them with their lines.
    """
    scratch = IssueCollector(path.name, 0)
    header = ReportHeader()
    try:
        if report_format is ReportFormat.CSV:
            with path.open("r", encoding="utf-8-sig", newline="") as handle:
                for line, text in enumerate(handle, start=1):
                    if not text.startswith("#"):
                        break
                    parse_meta(text, line, header, scratch)
        elif report_format is ReportFormat.DSR:
            header = read_dsr_header(path)
        else:
            with path.open("r", encoding="utf-8-sig") as handle:
                doc = load_json(handle)
            if isinstance(doc, dict):
                if isinstance(doc.get("report_id"), str):
                    header.report_id = doc["report_id"]
                for key in ("period_start", "period_end"):
                    value = doc.get(key)
                    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                        setattr(header, key, value)
                if isinstance(doc.get("signature"), str):
                    header.signature = doc["signature"]
                if isinstance(doc.get("lines"), list):
                    header.content_hash = canonical_lines_hash(doc["lines"])
    except (UnicodeDecodeError, ValueError, RecursionError):
        pass
    if header.report_id is not None and not 1 <= len(header.report_id) <= 200:
        header.report_id = None
    return header
