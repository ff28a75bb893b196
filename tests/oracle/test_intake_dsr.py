"""DDEX DSR intake: DSRF 3.x profiles read from fixtures written from the ddexnet/dsrf schemas.

Fixtures (tests/oracle/fixtures/dsrf/): Basic Audio Profile 1.2 (releases, sub-releases, a
multi-ISRC resource with an escaped bar, a summary id repeated per rights controller, an
unknown ISRC), UGC Profile 1.2 (SU03 without summary + LI01, RU01 breakdowns) and 1.0, and a
Basic Audio Profile 1.1 report in two files, the second gzip-compressed.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_intake_kit import ISRC_1, IntakeKit

from oracle.catalog import Consent
from oracle.errors import DuplicateMessageError, ReportRejectedError
from oracle.intake.ddex_dsr import ingest_dsr_files
from oracle.intake.dsrf.classes import set_class_override
from oracle.intake.dsrf.inspect import inspect_files
from oracle.intake.dsrf.naming import set_content_hash
from oracle.intake.dsrf.store import list_unknown_usage, track_revenue
from oracle.intake.dsrf.tables import report_files, revenue_lines, unknown_usage
from oracle.intake.ingest import IngestResult
from oracle.store.quarantine_repository import list_quarantine
from oracle.store.records import QuarantineReason, QuarantineStatus, ReportFormat, ReportStatus

FIXTURES = Path(__file__).parent / "fixtures" / "dsrf"
BAP12 = FIXTURES / "bap12_streams.tsv"
UGC12 = FIXTURES / "ugc12_videos.tsv"
UGC10 = FIXTURES / "ugc10_videos.tsv"
SET = sorted(FIXTURES.glob("DSR_*"))
ISRC_2 = "GBAYE2300002"
ISRC_3 = "FRZ032300003"
UNKNOWN = "QZABC2399999"
NOW = 2_000_000_000


@pytest.fixture
def dsr_kit(kit: IntakeKit) -> IntakeKit:
    kit.add_track(2, isrc=ISRC_2)
    kit.add_track(3, isrc=ISRC_3)
    return kit


def copy(kit: IntakeKit, source: Path, name: str | None = None, text: str | None = None) -> Path:
    target = kit.tmp / (name or source.name)
    if text is None:
        shutil.copyfile(source, target)
    else:
        target.write_text(text, encoding="utf-8")
    return target


def ingest(kit: IntakeKit, path: Path, message_id: str, period: tuple[int, int]) -> IngestResult:
    signature = kit.sign(kit.file_hash(path), message_id, ReportFormat.DSR, period=period)
    return kit.ingest(path, signature, ReportFormat.DSR)


BAP12_PERIOD = (1_699_920_000, 1_700_524_800)  # 2023-11-14 .. 2023-11-20 inclusive


def rejected(kit: IntakeKit, path: Path, message_id: str = "BAP12-0001") -> ReportRejectedError:
    with pytest.raises(ReportRejectedError) as info:
        ingest(kit, path, message_id, BAP12_PERIOD)
    return info.value


def fields_of(error: ReportRejectedError) -> set[tuple[int | None, str]]:
    return {(i.line, i.field) for i in error.issues}


# ---- profiles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "profile", "units"),
    [
        (BAP12, "BasicAudioProfile 1.2", {(ISRC_1, 0): 10, (ISRC_1, 1): 2, (ISRC_3, 0): 15}),
        (UGC12, "UgcProfile 1.2", {(ISRC_1, 2): 1000, (ISRC_2, 2): 40}),
        (UGC10, "UgcProfile 1.0", {(ISRC_3, 2): 612}),
    ],
)
def test_each_profile_is_read_without_a_fault(
    dsr_kit: IntakeKit, fixture: Path, profile: str, units: dict[tuple[str, int], int]
) -> None:
    with dsr_kit.engine.connect() as conn:
        answer = inspect_files([(fixture.name, fixture)], conn=conn, platform_id=1, now=NOW)
    assert answer["errors"] == []
    assert answer["accepted"] is True
    assert answer["profile"] == profile
    found: dict[tuple[str, int], int] = {}
    for total in answer["totals"]:
        key = (total["isrc"], total["usage_class"])
        found[key] = found.get(key, 0) + total["units"]
    for key, expected in units.items():
        assert found[key] == expected


def test_ugc_usage_is_counted_once_and_takes_its_summary_from_li01() -> None:
    answer = inspect_files([(UGC12.name, UGC12)], now=NOW)
    by_isrc = {t["isrc"]: t for t in answer["totals"]}
    # RU01.01 breaks the 1000 down per video (900|80|20); two LI01.02 follow the SU03.02.
    assert by_isrc[ISRC_1]["units"] == 1000
    assert by_isrc[ISRC_1]["commercial_model"] == "AdvertisementSupportedModel"
    assert by_isrc[ISRC_1]["territory"] == "NO"
    assert by_isrc[ISRC_2]["commercial_model"] == "SubscriptionModel"


def test_multi_isrc_resource_with_escaped_bar_pays_the_known_isrc(dsr_kit: IntakeKit) -> None:
    with dsr_kit.engine.connect() as conn:
        answer = inspect_files([(BAP12.name, BAP12)], conn=conn, platform_id=1, now=NOW)
    rows = [t for t in answer["totals"] if t["track"] == 2]
    # R2 carries GBAYE2300099|GBAYE2300002 (title "Live \| Unplugged"): the known one is paid,
    # once: 5 streams in GB, and 2 downloads of the sub-release SUB1 (3 usages - 1 return).
    assert {(t["isrc"], t["usage_class"], t["territory"], t["units"]) for t in rows} == {
        (ISRC_2, 0, "GB", 5),
        (ISRC_2, 1, "US", 2),
    }
    assert not any(t["isrc"] == "GBAYE2300099" for t in answer["totals"])


# ---- ingest -------------------------------------------------------------------------------------


def test_bap12_is_accepted_with_unknown_isrc_quarantined_and_revenue_kept(
    dsr_kit: IntakeKit,
) -> None:
    path = copy(dsr_kit, BAP12)
    result = ingest(dsr_kit, path, "BAP12-0001", BAP12_PERIOD)
    assert result.report.status is ReportStatus.ACCEPTED
    assert result.report.line_count == 6
    assert dsr_kit.payable() == {
        (1, 1, 0): 10_000_000,
        (1, 1, 1): 2_000_000,
        (2, 1, 0): 5_000_000,
        (2, 1, 1): 2_000_000,
        (3, 1, 0): 15_000_000,
    }
    with dsr_kit.engine.connect() as conn:
        held = list_unknown_usage(conn, result.report.id)
        lines = track_revenue(conn, [1, 2, 3])
    assert [(u.isrc, u.usage_class, u.micro_units) for u in held] == [(UNKNOWN, 0, 4_000_000)]
    downloads = [line for line in lines if line.usage_class == 1]
    # SU01: PriceConsumerPaidExcSalesTax 0.99 x 2 net downloads, on the release's first track.
    assert {(x.track_id, x.revenue, x.currency) for x in downloads} == {
        (1, "1.98", "USD"),
        (2, "", "USD"),
    }
    assert {(x.track_id, x.territory, x.currency) for x in lines if x.usage_class == 0} == {
        (1, "US", "USD"),
        (2, "GB", "GBP"),
        (3, "US", "USD"),
    }


def test_unknown_isrc_is_counted_once_its_track_is_registered(dsr_kit: IntakeKit) -> None:
    path = copy(dsr_kit, BAP12)
    report = ingest(dsr_kit, path, "BAP12-0001", BAP12_PERIOD).report
    assert (9, 1, 0) not in dsr_kit.payable()
    dsr_kit.add_track(9, tier=4, isrc=UNKNOWN)
    assert dsr_kit.payable()[(9, 1, 0)] == 4_000_000
    with dsr_kit.engine.connect() as conn:
        entries = list_quarantine(conn, status=None, report_version_id=report.id)
        assert list_unknown_usage(conn, report.id) == []
        lines = track_revenue(conn, [9])
    assert [(e.track_id, e.reason, e.status) for e in entries] == [
        (9, QuarantineReason.UNKNOWN_TRACK, QuarantineStatus.RELEASED)
    ]
    assert [(x.isrc, x.units, x.territory) for x in lines] == [(UNKNOWN, 4, "GB")]
    dsr_kit.add_track(9, tier=4, isrc=UNKNOWN)  # registering again moves nothing twice
    assert dsr_kit.payable()[(9, 1, 0)] == 4_000_000


def test_unknown_isrc_registered_after_opting_out_stays_held(dsr_kit: IntakeKit) -> None:
    ingest(dsr_kit, copy(dsr_kit, BAP12), "BAP12-0001", BAP12_PERIOD)
    dsr_kit.add_track(9, tier=4, isrc=UNKNOWN, consents={0: Consent(granted_at=0, revoked_at=1)})
    with dsr_kit.engine.connect() as conn:
        entries = list_quarantine(conn, status=None)
    assert [(e.track_id, e.reason, e.status) for e in entries] == [
        (9, QuarantineReason.OPTED_OUT, QuarantineStatus.HELD)
    ]
    assert (9, 1, 0) not in dsr_kit.payable()


def test_multi_file_gzip_report_is_accepted_and_its_files_signed(dsr_kit: IntakeKit) -> None:
    paths = [copy(dsr_kit, p) for p in SET]
    content = set_content_hash(paths, [1, 2])
    signature = dsr_kit.sign(content, "BAP11-SET-1", ReportFormat.DSR, period=BAP12_PERIOD)
    outcome = ingest_dsr_files(dsr_kit.settings, dsr_kit.engine, paths[::-1], 1, signature)
    assert isinstance(outcome, IngestResult)
    assert outcome.report.status is ReportStatus.ACCEPTED
    assert outcome.report.content_hash == content
    assert dsr_kit.payable() == {(1, 1, 0): 21_000_000, (2, 1, 0): 9_000_000}
    with dsr_kit.engine.connect() as conn:
        stored = conn.execute(select(report_files.c.file_number, report_files.c.file_name)).all()
    assert sorted(stored) == [(1, SET[0].name), (2, SET[1].name)]


def test_multi_file_signature_over_one_file_is_refused(dsr_kit: IntakeKit) -> None:
    paths = [copy(dsr_kit, p) for p in SET]
    signature = dsr_kit.sign(
        dsr_kit.file_hash(paths[0]), "BAP11-SET-1", ReportFormat.DSR, period=BAP12_PERIOD
    )
    with pytest.raises(ReportRejectedError, match="wrong signer"):
        ingest_dsr_files(dsr_kit.settings, dsr_kit.engine, paths, 1, signature)


def test_missing_file_of_a_set_is_refused(dsr_kit: IntakeKit) -> None:
    path = copy(dsr_kit, SET[1])
    signature = dsr_kit.sign(
        dsr_kit.file_hash(path), "BAP11-SET-1", ReportFormat.DSR, period=BAP12_PERIOD
    )
    with pytest.raises(ReportRejectedError) as info:
        dsr_kit.ingest(path, signature, ReportFormat.DSR)
    messages = [i.message for i in info.value.issues]
    assert any("file 1 of 2 of the report is missing" in m for m in messages)


def test_file_name_must_match_the_set_numbering(dsr_kit: IntakeKit) -> None:
    first = copy(dsr_kit, SET[0], name=SET[0].name.replace("1of2", "2of2"))
    second = copy(dsr_kit, SET[1], name=SET[1].name.replace("2of2", "1of2"))
    answer = inspect_files([(first.name, first), (second.name, second)], now=NOW)
    assert answer["accepted"] is False
    assert {e["column"] for e in answer["errors"]} == {"FileName"}


def test_gzip_single_file_is_accepted(dsr_kit: IntakeKit) -> None:
    path = dsr_kit.tmp / "bap12.tsv.gz"
    path.write_bytes(gzip.compress(BAP12.read_bytes()))
    result = ingest(dsr_kit, path, "BAP12-0001", BAP12_PERIOD)
    assert result.report.status is ReportStatus.ACCEPTED
    assert dsr_kit.payable()[(3, 1, 0)] == 15_000_000


def test_message_id_is_never_reused_for_other_content(dsr_kit: IntakeKit) -> None:
    ingest(dsr_kit, copy(dsr_kit, BAP12), "BAP12-0001", BAP12_PERIOD)
    text = BAP12.read_text().replace("\t7\t\t\n", "\t6\t\t\n")
    other = copy(dsr_kit, BAP12, "other.tsv", text)
    with pytest.raises(DuplicateMessageError):
        ingest(dsr_kit, other, "BAP12-0001", BAP12_PERIOD)


def test_platform_override_of_the_class_table(dsr_kit: IntakeKit) -> None:
    with dsr_kit.engine.begin() as conn:
        set_class_override(conn, 1, "SU02", "AdvertisementSupportedModel", "*", 3)
    ingest(dsr_kit, copy(dsr_kit, BAP12), "BAP12-0001", BAP12_PERIOD)
    payable = dsr_kit.payable()
    assert payable[(2, 1, 3)] == 5_000_000  # the GB ad-supported streams, now class 3
    assert (2, 1, 0) not in payable


# ---- structural faults: each names file, physical line, record type and column ---------------


def _lines() -> list[str]:
    return BAP12.read_text().splitlines()


def _line_of(lines: list[str], prefix: str) -> int:
    return next(n for n, text in enumerate(lines, start=1) if text.startswith(prefix))


def test_wrong_foot_count_is_refused(dsr_kit: IntakeKit) -> None:
    lines = _lines()
    foot = lines[-1].split("\t")
    foot[1] = str(int(foot[1]) + 1)
    lines[-1] = "\t".join(foot)
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r.tsv", "\n".join(lines) + "\n"))
    assert (len(lines), "FOOT.NumberOfLinesInFile") in fields_of(error)


def test_truncated_file_is_refused_and_nothing_is_kept(dsr_kit: IntakeKit) -> None:
    lines = _lines()[:-3]
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r.tsv", "\n".join(lines) + "\n"))
    assert (len(lines), "FOOT") in fields_of(error)
    assert "truncated" in str(error)
    with dsr_kit.engine.connect() as conn:
        for table in (unknown_usage, revenue_lines, report_files):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
    assert dsr_kit.payable() == {}


def test_record_out_of_order_in_its_block_is_refused(dsr_kit: IntakeKit) -> None:
    lines = _lines()
    su = _line_of(lines, "SU02\tB2")
    resource = _line_of(lines, "AS01.01\tB2")
    lines[resource - 1], lines[su - 1] = lines[su - 1], lines[resource - 1]
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r.tsv", "\n".join(lines) + "\n"))
    assert (resource, "SU02.TransactedResource") in fields_of(error)
    assert (su, "AS01.01.RecordType") in fields_of(error)


def test_bad_isrc_is_refused(dsr_kit: IntakeKit) -> None:
    lines = _lines()
    row = _line_of(lines, "AS01.01\tB2")
    lines[row - 1] = lines[row - 1].replace(ISRC_3, "FR-Z03-23-0003")
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r.tsv", "\n".join(lines) + "\n"))
    assert (row, "AS01.01.ISRC") in fields_of(error)
    assert all(i.file == "r.tsv" for i in error.issues)


def test_usage_pointing_at_a_missing_resource_is_refused(dsr_kit: IntakeKit) -> None:
    lines = _lines()
    row = _line_of(lines, "SU02\tB3")
    lines[row - 1] = lines[row - 1].replace("\tR1\t", "\tR7\t")
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r.tsv", "\n".join(lines) + "\n"))
    assert (row, "SU02.TransactedResource") in fields_of(error)
    assert "no resource 'R7' in block 'B3'" in str(error)


def test_repeated_summary_id_must_keep_its_sales_context(dsr_kit: IntakeKit) -> None:
    lines = _lines()
    second = [n for n, t in enumerate(lines, start=1) if t.startswith("SY02.02\tS1\t")][1]
    lines[second - 1] = lines[second - 1].replace("\tUS\t", "\tCA\t")
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r.tsv", "\n".join(lines) + "\n"))
    assert (second, "SY02.02.SummaryRecordId") in fields_of(error)


def test_unknown_profile_and_record_types_are_named(dsr_kit: IntakeKit) -> None:
    lines = _lines()
    lines.insert(len(lines) - 1, "ZZ01\tB9\tx")
    foot = lines[-1].split("\t")
    foot[1] = foot[2] = str(len(lines))
    lines[-1] = "\t".join(foot)
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r.tsv", "\n".join(lines) + "\n"))
    assert fields_of(error) == {(len(lines) - 1, "ZZ01.RecordType")}
    head = _lines()
    head[0] = head[0].replace("\t1.2\t", "\t9.9\t", 1)
    error = rejected(dsr_kit, copy(dsr_kit, BAP12, "r2.tsv", "\n".join(head) + "\n"))
    assert (1, "HEAD.Profile") in fields_of(error)


def test_shifted_columns_are_caught_by_the_comment_line(tmp_path: Path) -> None:
    lines = _lines()
    row = _line_of(lines, "#SU02")
    names = lines[row - 1].split("\t")
    names[5], names[7] = names[7], names[5]
    lines[row - 1] = "\t".join(names)
    target = tmp_path / "r.tsv"
    target.write_text("\n".join(lines) + "\n")
    answer = inspect_files([("r.tsv", target)], now=NOW)
    errors = [(e["line"], e["record"], e["column"]) for e in answer["errors"]]
    assert errors == [(row, "#SU02", "TransactedResource")]


@pytest.mark.parametrize("file_number", ["9" * 5000, "\uff12"])
def test_a_hostile_file_number_of_a_set_is_refused_naming_the_field(
    dsr_kit: IntakeKit, tmp_path: Path, file_number: str
) -> None:
    """FileNumber goes through parse_count: 5000 digits (int() would raise) or a full-width digit
    (int() would accept) are no FileNumber at all, and the set is refused naming the field."""
    first = copy(dsr_kit, SET[0])
    other = tmp_path / "hostile-2.tsv"
    other.write_text("\t".join(["HEAD", "x", "x", "x", "x", "x", file_number, "x"]) + "\n")
    with pytest.raises(ReportRejectedError) as info:
        ingest_dsr_files(dsr_kit.settings, dsr_kit.engine, [first, other], 1, "0x" + "11" * 65)
    assert info.value.issues[0].field == "HEAD.FileNumber"
