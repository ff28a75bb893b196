"""Intake under hostile numbers and broken rows: ASCII digits only, digit caps before int(),
per-key/per-report/per-platform caps, and a recovery that marks a bad row and goes on."""

from __future__ import annotations

import pytest
from test_intake_kit import IntakeKit

from oracle.errors import ReportRejectedError
from oracle.intake.headers import read_header
from oracle.intake.ingest import record_received, recover_pending
from oracle.intake.raw_store import store_raw_file
from oracle.intake.units import MAX_UNIT_DIGITS, is_plain_count, parse_count, parse_units
from oracle.store.records import ReportFormat, ReportStatus, ReportVersion
from oracle.store.report_repository import get_report


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "missing"),
        ("9" * 5000, "at most 12 digits"),
        ("1" + "0" * MAX_UNIT_DIGITS, "at most 12 digits"),
        ("\uff16", "ASCII digits"),
        ("\u0661\u0662", "ASCII digits"),
        ("1_000", "whole number"),
        ("-3", "must not be negative"),
        ("+3", "without a sign"),
        ("1.5", "fraction"),
        ("1e6", "fraction or exponent"),
        ("nan", "not a number"),
        ("Infinity", "not a number"),
        ("0x10", "hexadecimal"),
        ("\u00b2", "ASCII digits"),
    ],
)
def test_parse_units_refuses_with_the_reason(text: str, reason: str) -> None:
    value, why = parse_units(text)
    assert value is None
    assert why is not None
    assert reason in why


def test_parse_count_accepts_ascii_digits_up_to_the_cap() -> None:
    assert parse_units(" 42 ") == (42, None)
    assert parse_units("9" * MAX_UNIT_DIGITS) == (10**MAX_UNIT_DIGITS - 1, None)
    assert parse_count("1" * 19, 19, "period_start") == (int("1" * 19), None)
    assert is_plain_count("123")
    assert not is_plain_count("\uff11")
    assert not is_plain_count("1" * 13)


def test_csv_units_with_non_ascii_digits_or_too_many_digits_are_rejected(kit: IntakeKit) -> None:
    path, signature = kit.csv_report(
        "r.csv", ["1,0,\uff16,", f"1,0,{'9' * 5000},", "\uff11,0,3,", "1,0,1_000,"]
    )
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(path, signature)
    fields = {(i.line, i.field) for i in info.value.issues}
    assert {(6, "units"), (7, "units"), (8, "track"), (9, "units")} <= fields
    assert kit.payable() == {}


def test_caps_per_key_and_per_report_are_on_by_default(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("r.csv", ["1,0,900000000000,", "1,0,900000000000,"])
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(path, signature)
    assert any("per-(track, class) cap" in i.message for i in info.value.issues)
    assert kit.payable() == {}


def test_the_per_platform_lifetime_cap_refuses_the_report_that_would_cross_it(
    kit: IntakeKit,
) -> None:
    kit.settings.max_platform_micro_units = 25 * 10**6
    for n, accepted in ((1, True), (2, True), (3, False)):
        path, signature = kit.csv_report(f"r{n}.csv", ["1,0,10,"], report_id=f"r{n}")
        if accepted:
            kit.ingest(path, signature)
            continue
        with pytest.raises(ReportRejectedError) as info:
            kit.ingest(path, signature)
        assert "per-platform cap" in str(info.value)
    # A correction of an accepted report counts at its largest version, not twice.
    path, signature = kit.csv_report("r1b.csv", ["1,0,5,"], report_id="r1")
    kit.ingest(path, signature)


def test_recovery_marks_a_bad_row_failed_and_finishes_the_others(kit: IntakeKit) -> None:
    versions = _left_received(kit, "rec")
    # The first one's stored file turns unreadable (a hostile or corrupted row).
    (kit.settings.data_dir / versions[0].raw_path).write_bytes(b"\xff\xfe" * 100)
    outcomes = recover_pending(kit.settings, kit.engine)
    assert len(outcomes) == 3
    assert isinstance(outcomes[0], ReportRejectedError)
    with kit.engine.connect() as conn:
        statuses = [get_report(conn, v.id).status for v in versions]  # type: ignore[union-attr]
    assert statuses == [ReportStatus.REJECTED, ReportStatus.ACCEPTED, ReportStatus.ACCEPTED]
    assert recover_pending(kit.settings, kit.engine) == []


def test_recovery_marks_a_row_it_cannot_even_read_failed_and_goes_on(kit: IntakeKit) -> None:
    """A received row whose columns do not make a report version (an unknown format code) used
    to stop `recover` at the listing with a ValueError: it is now marked failed with the reason,
    and the rows queued after it are still recovered."""
    from sqlalchemy import text, update

    from oracle.store.schema import reports

    versions = _left_received(kit, "unread")
    with kit.engine.begin() as conn:
        conn.execute(update(reports).where(reports.c.id == versions[0].id).values(format=9))
    outcomes = recover_pending(kit.settings, kit.engine)
    assert len(outcomes) == 3
    assert isinstance(outcomes[0], ReportRejectedError)
    assert "could not be decided: ValueError" in str(outcomes[0])
    with kit.engine.connect() as conn:
        rows = dict(
            conn.execute(
                text("SELECT id, status FROM oracle_reports WHERE id IN (:a, :b, :c)"),
                {"a": versions[0].id, "b": versions[1].id, "c": versions[2].id},
            ).all()
        )
    assert [rows[v.id] for v in versions] == ["rejected", "accepted", "accepted"]
    assert recover_pending(kit.settings, kit.engine) == []


def _left_received(kit: IntakeKit, prefix: str, count: int = 3) -> list[ReportVersion]:
    """`count` CSV reports left as a crash after step 2 leaves them: raw file and 'received' row."""
    versions = []
    for n in range(count):
        name = f"{prefix}-{n}.csv"
        path, signature = kit.csv_report(name, [f"1,0,{n + 1},"], report_id=f"{prefix}-{n}")
        stored = store_raw_file(path, kit.settings.data_dir, ".csv")
        version, _ = record_received(
            kit.engine,
            platform_id=1,
            header=read_header(stored.absolute_path, ReportFormat.CSV),
            report_format=ReportFormat.CSV,
            content_hash=stored.keccak_hex,
            raw_hash=stored.keccak_hex,
            raw_path=stored.relative_path,
            file_name=name,
            signature=signature,
        )
        versions.append(version)
    return versions
