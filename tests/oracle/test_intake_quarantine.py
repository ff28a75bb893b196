"""Quarantine: tier, consent, opt-out, spike and platform bound; release and reject."""

from __future__ import annotations

import pytest
from test_intake_kit import PERIOD, IntakeKit

from oracle.catalog import Consent
from oracle.errors import QuarantineError
from oracle.intake.ingest import IngestResult
from oracle.store.counters import latest_intake_seq
from oracle.store.quarantine_repository import list_quarantine, reject, release
from oracle.store.records import QuarantineReason, QuarantineStatus

WEEK = 7 * 86_400


def ingest_rows(
    kit: IntakeKit, rows: list[str], report_id: str = "r1", week: int = 0
) -> IngestResult:
    period = (PERIOD[0] + week * WEEK, PERIOD[1] + week * WEEK)
    path, signature = kit.csv_report(f"{report_id}.csv", rows, report_id=report_id, period=period)
    return kit.ingest(path, signature)


def reasons(result: IngestResult) -> dict[tuple[int, int], QuarantineReason]:
    return {(q.track_id, q.usage_class): q.reason for q in result.quarantined}


def test_class_outside_the_tier_is_quarantined_with_its_lines(kit: IntakeKit) -> None:
    kit.add_track(4, tier=1)
    result = ingest_rows(kit, ["4,0,3,", "4,DOWNLOAD,2,", "1,0,1,", "4,1,5,"])
    assert reasons(result) == {(4, 1): QuarantineReason.TIER}
    (entry,) = result.quarantined
    assert entry.micro_units == 7_000_000
    assert entry.sample_lines == "7,9"
    assert entry.status is QuarantineStatus.HELD
    assert kit.payable() == {(4, 1, 0): 3_000_000, (1, 1, 0): 1_000_000}
    assert result.report.quarantined_micro_units == 7_000_000


def test_ai_use_without_consent_is_quarantined_per_source(kit: IntakeKit) -> None:
    kit.add_track(5, tier=6, consents={})
    result = ingest_rows(kit, ["3,4,10,1:500000;5:500000"])
    assert reasons(result) == {(5, 4): QuarantineReason.CONSENT}
    assert kit.payable() == {(1, 1, 4): 5_000_000}


def test_usage_after_opt_out_is_quarantined_and_before_it_is_paid(kit: IntakeKit) -> None:
    kit.add_track(6, tier=4, consents={0: Consent(0, PERIOD[0] + 3_600)})
    kit.add_track(7, tier=4, consents={0: Consent(0, PERIOD[1])})  # opts out when the period ends
    result = ingest_rows(kit, ["6,0,2,", "7,0,3,"])
    assert reasons(result) == {(6, 0): QuarantineReason.OPTED_OUT}
    assert kit.payable() == {(7, 1, 0): 3_000_000}


def test_spike_over_the_trailing_average_is_quarantined(kit: IntakeKit) -> None:
    # fixture: spike_multiple 5, spike_min_units 100
    ingest_rows(kit, ["1,0,100,", "2,0,100,"], "w0", week=0)
    ingest_rows(kit, ["1,0,100,"], "w1", week=1)  # track 2 averages 50 over two reports
    result = ingest_rows(kit, ["1,0,500,", "2,0,251,", "3,0,5000,"], "w2", week=2)
    # track 1: 500 = 5 x 100, not over; track 2: 251 > 5 x 50; track 3 has no history
    assert reasons(result) == {(2, 0): QuarantineReason.SPIKE}
    assert kit.payable()[(1, 1, 0)] == 700_000_000
    assert kit.payable()[(3, 1, 0)] == 5_000_000_000


def test_report_over_the_platform_bound_is_held_whole(kit: IntakeKit) -> None:
    kit.add_platform(1, max_units=50)
    result = ingest_rows(kit, ["1,0,30,", "2,1,21,"])
    assert reasons(result) == {
        (1, 0): QuarantineReason.PLATFORM_BOUND,
        (2, 1): QuarantineReason.PLATFORM_BOUND,
    }
    assert kit.payable() == {}
    assert ingest_rows(kit, ["1,0,50,"], "r2", week=1).quarantined == []


def test_released_usage_becomes_payable_from_its_decision_on(kit: IntakeKit) -> None:
    kit.add_track(4, tier=1)
    result = ingest_rows(kit, ["4,1,2,", "1,1,1,"])
    entry_id = result.quarantined[0].id
    with kit.engine.begin() as conn:
        cut_before = latest_intake_seq(conn)
        released = release(conn, entry_id, "alice")
    assert released.status is QuarantineStatus.RELEASED
    assert released.decided_by == "alice"
    assert released.decision_seq == cut_before + 1
    assert kit.payable(cut=cut_before) == {(1, 1, 1): 1_000_000}
    assert kit.payable() == {(1, 1, 1): 1_000_000, (4, 1, 1): 2_000_000}
    with kit.engine.begin() as conn, pytest.raises(QuarantineError, match="already released"):
        reject(conn, entry_id)


def test_rejected_usage_is_never_paid(kit: IntakeKit) -> None:
    kit.add_track(4, tier=1)
    result = ingest_rows(kit, ["4,1,2,"])
    with kit.engine.begin() as conn:
        reject(conn, result.quarantined[0].id)
        assert list_quarantine(conn) == []
        (entry,) = list_quarantine(conn, status=QuarantineStatus.REJECTED)
        assert entry.reason is QuarantineReason.TIER
    assert kit.payable() == {}
    with kit.engine.begin() as conn, pytest.raises(QuarantineError, match="does not exist"):
        release(conn, 999)


def test_release_of_a_superseded_version_no_longer_counts(kit: IntakeKit) -> None:
    kit.add_track(4, tier=1)
    first = ingest_rows(kit, ["4,1,2,", "1,0,1,"])
    with kit.engine.begin() as conn:
        release(conn, first.quarantined[0].id)
    ingest_rows(kit, ["1,0,1,"])  # correction drops the track 4 line
    assert kit.payable() == {(1, 1, 0): 1_000_000}
