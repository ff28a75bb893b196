"""CSV intake: aggregation in micro-units and every validation error, located by file/line/field."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_intake_kit import CHAIN_ID, OTHER_KEY, IntakeKit

from oracle.errors import ReportRejectedError
from oracle.store.records import ReportFormat, ReportStatus
from oracle.store.report_repository import list_reports, report_errors
from oracle.store.schema import ai_generations, usage

FIRST_ROW = 6  # 4 metadata lines and the header come first


def rejected(kit: IntakeKit, path: Path, signature: str | None) -> ReportRejectedError:
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(path, signature)
    return info.value


def has_issue(error: ReportRejectedError, line: int | None, field: str, text: str) -> bool:
    return any(
        i.file == "r.csv" and i.line == line and i.field == field and text in i.message
        for i in error.issues
    )


def test_csv_aggregates_per_track_and_class_with_exact_ai_attribution(kit: IntakeKit) -> None:
    path, signature = kit.csv_report(
        "r.csv",
        [
            "1,0,10,",
            "USRC17607839,STREAM,5,",
            "US-RC1-76-07839,0,1,",
            "2,1,3,",
            "3,4,10,1:600000;2:400000",
            ",AI_REMIX,3,1:333333;2:333333;3:333334",
        ],
    )
    result = kit.ingest(path, signature)
    assert result.report.status is ReportStatus.ACCEPTED
    assert result.report.line_count == 6
    assert kit.payable() == {
        (1, 1, 0): 16_000_000,
        (2, 1, 1): 3_000_000,
        (1, 1, 4): 6_000_000,
        (2, 1, 4): 4_000_000,
        (1, 1, 5): 999_999,
        (2, 1, 5): 999_999,
        (3, 1, 5): 1_000_002,
    }
    with kit.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(usage)).scalar_one() == 7
        generations = {
            (r.generated_track_id, r.usage_class): r.generations
            for r in conn.execute(select(ai_generations))
        }
    assert generations == {(3, 4): 10, (0, 5): 3}


@pytest.mark.parametrize(
    ("row", "field", "text"),
    [
        ("1,0", "line", "2 fields, the header has 4"),
        ("1,0,-4,", "units", "must not be negative"),
        ("1,0,2.5,", "units", "whole number"),
        ("1,0,,", "units", "missing"),
        ("99,0,1,", "track", "unknown track id 99"),
        ("GBABC2300001,0,1,", "track", "unknown ISRC GBABC2300001"),
        ("US-RC1-7-0783,0,1,", "track", "neither a track id nor an ISRC"),
        ("1,7,1,", "usage_class", "unknown usage class '7'"),
        ("1,4,2,1:600000;2:300000", "attribution", "sum to 900000, expected exactly 1000000"),
        ("1,4,2,1:1000000;1:0", "attribution[2].track", "repeated"),
        ("1,0,2,1:1000000", "attribution", "only allowed for AI classes"),
        ("1,4,2,9:1000000", "attribution[1].track", "unknown track id 9"),
        ("1,4,2,1:x", "attribution[1].weight", "whole number"),
    ],
)
def test_bad_line_rejects_the_report_naming_file_line_field(
    kit: IntakeKit, row: str, field: str, text: str
) -> None:
    path, signature = kit.csv_report("r.csv", ["2,0,1,", row])
    error = rejected(kit, path, signature)
    assert has_issue(error, FIRST_ROW + 1, field, text), str(error)
    assert f"r.csv:{FIRST_ROW + 1}: field {field!r}" in str(error)
    assert kit.payable() == {}


def test_period_in_the_future_is_rejected(kit: IntakeKit) -> None:
    now = int(time.time())
    path, signature = kit.csv_report("r.csv", ["1,0,1,"], period=(now - 60, now + 86_400))
    error = rejected(kit, path, signature)
    assert has_issue(error, None, "period_end", "in the future")


def test_period_end_not_after_start_is_rejected(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("r.csv", ["1,0,1,"], period=(1_700_000_000, 1_700_000_000))
    assert has_issue(rejected(kit, path, signature), None, "period_end", "not after its start")


def test_missing_metadata_and_unknown_column_are_structural_faults(kit: IntakeKit) -> None:
    path = kit.tmp / "r.csv"
    path.write_text("# period_start: 1\n# period_end: 2\ntrack,usage_class,units,price\n1,0,1,9\n")
    error = rejected(kit, path, "0x" + "00" * 65)
    assert has_issue(error, 3, "header", "unknown column 'price'")
    assert has_issue(error, None, "report_id", "missing")


def test_signature_from_another_key_is_a_wrong_signer(kit: IntakeKit) -> None:
    path = kit.write_csv("r.csv", ["1,0,1,"])
    signature = kit.sign(kit.file_hash(path), "r1", ReportFormat.CSV, key=OTHER_KEY)
    error = rejected(kit, path, signature)
    assert has_issue(error, None, "signature", "wrong signer")


def test_signature_for_another_chain_is_refused(kit: IntakeKit) -> None:
    declared = kit.write_csv("r.csv", ["1,0,1,"], chain_id=1)
    signature = kit.sign(kit.file_hash(declared), "r1", ReportFormat.CSV, chain_id=1)
    assert has_issue(
        rejected(kit, declared, signature), None, "chain_id", f"oracle settles chain {CHAIN_ID}"
    )
    silent = kit.write_csv("r.csv", ["1,0,2,"], chain_id=None)
    signature = kit.sign(kit.file_hash(silent), "r1", ReportFormat.CSV, chain_id=1)
    assert has_issue(rejected(kit, silent, signature), None, "signature", "wrong signer")


def test_content_changed_after_signing_is_a_wrong_signer(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("r.csv", ["1,0,1,"])
    path.write_text(path.read_text().replace("1,0,1,", "1,0,100,"))
    assert has_issue(rejected(kit, path, signature), None, "signature", "wrong signer")


def test_unsigned_and_wrong_platform_reports_are_rejected(kit: IntakeKit) -> None:
    path = kit.write_csv("r.csv", ["1,0,1,"])
    assert has_issue(rejected(kit, path, None), None, "signature", "not signed")
    kit.add_platform(2)
    path, signature = kit.csv_report("r.csv", ["1,0,1,"])
    with pytest.raises(ReportRejectedError, match="wrong signer"):
        kit.ingest(path, signature, platform_id=2)  # signed for platform 1


def test_error_list_is_capped_and_says_how_many_more(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("r.csv", [f"1,0,-{n}," for n in range(1, 9)])
    error = rejected(kit, path, signature)
    assert error.total_issues == 8
    assert len(error.issues) == 5  # max_listed_errors in the fixture
    assert "... and 3 more" in str(error)
    with kit.engine.connect() as conn:
        (version,) = list_reports(conn)
        assert version.status is ReportStatus.REJECTED
        assert version.error_count == 8
        assert len(report_errors(conn, version.id)) == 5


def test_rejected_report_is_kept_and_revalidated_when_sent_again(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("r.csv", ["1,0,1,", "7,0,2,"])
    rejected(kit, path, signature)
    with kit.engine.connect() as conn:
        (version,) = list_reports(conn)
    assert (kit.settings.data_dir / version.raw_path).read_bytes() == path.read_bytes()
    kit.add_track(7)
    result = kit.ingest(path, signature)
    assert result.report.id == version.id
    assert result.report.status is ReportStatus.ACCEPTED
    assert kit.payable() == {(1, 1, 0): 1_000_000, (7, 1, 0): 2_000_000}


def test_byte_order_mark_and_crlf_line_ends_are_accepted(kit: IntakeKit) -> None:
    path = kit.write_csv("r.csv", ["1,0,2,", "2,0,3,"])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    signature = kit.sign(kit.file_hash(path), "r1", ReportFormat.CSV)
    assert kit.ingest(path, signature).report.status is ReportStatus.ACCEPTED
    assert kit.payable() == {(1, 1, 0): 2_000_000, (2, 1, 0): 3_000_000}
