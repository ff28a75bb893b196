"""DDEX DSR intake: the simplified profile built from its record layout, checksums, MessageId."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_intake_kit import ISRC_1, IntakeKit

from oracle.errors import DuplicateMessageError, ReportRejectedError
from oracle.store.records import ReportStatus
from oracle.store.report_repository import list_reports

ISRC_2 = "GBAYE2300002"
ISRC_3 = "FR-Z03-23-00003"


@pytest.fixture
def dsr_kit(kit: IntakeKit) -> IntakeKit:
    kit.add_track(2, isrc=ISRC_2)
    kit.add_track(3, isrc=ISRC_3)
    return kit


def rejected(kit: IntakeKit, path: Path, message_id: str = "MSG-1") -> ReportRejectedError:
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(path, kit.dsr_signature(path, message_id))
    return info.value


def has_issue(error: ReportRejectedError, line: int | None, field: str, text: str) -> bool:
    return any(
        i.file == "r.dsr" and i.line == line and i.field == field and text in i.message
        for i in error.issues
    )


USAGE = [
    ("S1", ISRC_1, "Stream", 10),
    ("S1", ISRC_2, "OnDemandStream", 5),
    ("S2", ISRC_3, "PermanentDownload", 2),
    ("S2", ISRC_1, "AIGeneration", 4),
]


def test_dsr_is_accepted_and_aggregated(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE)
    # HEAD, 2 SY01, 4 RU01, FOOT
    assert path.read_text().splitlines()[-1] == "FOOT\t8\t2\t4"
    result = dsr_kit.ingest(path, dsr_kit.dsr_signature(path))
    assert result.report.status is ReportStatus.ACCEPTED
    assert result.report.report_id == "MSG-1"
    assert result.report.period_start == 1_699_920_000
    assert result.report.period_end == 1_700_524_800  # end date inclusive
    assert result.report.line_count == 4
    assert dsr_kit.payable() == {
        (1, 1, 0): 10_000_000,
        (2, 1, 0): 5_000_000,
        (3, 1, 1): 2_000_000,
        (1, 1, 4): 4_000_000,
    }


def test_same_message_id_again_is_a_no_op(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE)
    first = dsr_kit.ingest(path, dsr_kit.dsr_signature(path))
    again = dsr_kit.ingest(path, dsr_kit.dsr_signature(path))
    assert again.duplicate
    assert again.report.id == first.report.id
    assert again.report.intake_seq == first.report.intake_seq
    assert dsr_kit.payable()[(1, 1, 0)] == 10_000_000
    with dsr_kit.engine.connect() as conn:
        assert len(list_reports(conn)) == 1


def test_message_id_reused_for_other_content_is_refused(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE)
    dsr_kit.ingest(path, dsr_kit.dsr_signature(path))
    other = dsr_kit.write_dsr("r.dsr", USAGE[:2])
    error = rejected(dsr_kit, other)
    assert isinstance(error, DuplicateMessageError)
    assert has_issue(error, 1, "MessageId", "never reused")
    assert dsr_kit.payable()[(3, 1, 1)] == 2_000_000  # the first message still counts


def test_foot_line_count_mismatch(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE, foot=(9, 2, 4))
    assert has_issue(
        rejected(dsr_kit, path), 8, "NumberOfLinesInFile", "declares 9, the file has 8"
    )


def test_foot_usage_record_count_mismatch(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE, foot=(8, 2, 5))
    assert has_issue(
        rejected(dsr_kit, path), 8, "NumberOfUsageRecords", "declares 5, the file has 4"
    )


def test_summary_total_must_equal_its_usage_lines(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE, summary_totals={"S2": 7})
    error = rejected(dsr_kit, path)
    assert has_issue(error, 3, "TotalUsages", "declares 7 usages, its usage lines sum to 6")


def test_truncated_file_without_foot(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE)
    path.write_text("\n".join(path.read_text().splitlines()[:-2]) + "\n")
    error = rejected(dsr_kit, path)
    assert has_issue(error, 6, "FOOT", "missing")


@pytest.mark.parametrize(
    ("isrc", "text"),
    [
        ("US-RC1-76-0783", "is not an ISRC"),
        ("1", "is not an ISRC"),
        ("USRC17600000", "unknown ISRC"),
    ],
)
def test_bad_or_unknown_isrc(dsr_kit: IntakeKit, isrc: str, text: str) -> None:
    path = dsr_kit.write_dsr("r.dsr", [*USAGE, ("S1", isrc, "Stream", 1)])
    assert has_issue(rejected(dsr_kit, path), 8, "ISRC", text)


def test_negative_usages_and_unknown_use_type(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr(
        "r.dsr", [*USAGE, ("S1", ISRC_1, "Stream", "-3"), ("S1", ISRC_1, "Rental", 1)]
    )
    error = rejected(dsr_kit, path)
    assert has_issue(error, 8, "NumberOfUsages", "must not be negative")
    assert has_issue(error, 9, "UseType", "unknown usage class 'Rental'")


def test_structure_faults(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE, extra_records=["ZZ01\tx"])
    assert has_issue(rejected(dsr_kit, path), 8, "RecordType", "unknown record type 'ZZ01'")
    path = dsr_kit.write_dsr("r.dsr", [*USAGE, ("S9", ISRC_1, "Stream", 1)], summary_totals={})
    # S9 gets a computed summary; point a line at a summary that does not exist instead
    text = path.read_text().replace("RU01\tS9", "RU01\tS7")
    path.write_text(text)
    assert has_issue(rejected(dsr_kit, path), 9, "SummaryRecordId", "no SY record with id 'S7'")


def test_head_must_come_first_with_valid_dates(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.write_dsr("r.dsr", USAGE, dates=("2023-11-14", "2023-13-01"))
    assert has_issue(rejected(dsr_kit, path), 1, "UsageEndDate", "not a date")
    lines = dsr_kit.write_dsr("r.dsr", USAGE).read_text().splitlines()
    path.write_text("\n".join([lines[1], lines[0], *lines[2:]]) + "\n")
    assert has_issue(rejected(dsr_kit, path), 1, "RecordType", "first record must be HEAD")
