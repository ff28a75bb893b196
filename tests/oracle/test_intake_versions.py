"""Dedupe, corrections (supersede with history), intake cuts and settled periods."""

from __future__ import annotations

import pytest
from test_intake_kit import PERIOD, IntakeKit

from oracle.errors import ReportRejectedError
from oracle.store.counters import latest_intake_seq
from oracle.store.records import ReportStatus
from oracle.store.report_repository import mark_settled, report_history
from oracle.store.usage_repository import effective_report_version_ids

WEEK = 7 * 86_400


def test_same_report_twice_is_counted_once(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("r.csv", ["1,0,10,", "2,0,5,"])
    first = kit.ingest(path, signature)
    second = kit.ingest(path, signature)
    assert not first.duplicate
    assert second.duplicate
    assert second.report.id == first.report.id
    assert kit.payable() == {(1, 1, 0): 10_000_000, (2, 1, 0): 5_000_000}
    with kit.engine.connect() as conn:
        assert len(report_history(conn, 1, "r1")) == 1
        assert latest_intake_seq(conn) == 1


def test_correction_supersedes_and_keeps_history_and_past_cuts(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("v1.csv", ["1,0,10,", "2,0,5,"])
    original = kit.ingest(path, signature).report
    other_path, other_sig = kit.csv_report("o.csv", ["3,0,1,"], report_id="other")
    kit.ingest(other_path, other_sig)
    fixed_path, fixed_sig = kit.csv_report("v2.csv", ["1,0,12,"])
    correction = kit.ingest(fixed_path, fixed_sig).report
    assert correction.version == 2
    assert correction.supersedes_id == original.id
    assert correction.intake_seq is not None
    assert original.intake_seq is not None
    assert correction.intake_seq > original.intake_seq
    with kit.engine.connect() as conn:
        history = report_history(conn, 1, "r1")
        assert [(v.version, v.status) for v in history] == [
            (1, ReportStatus.SUPERSEDED),
            (2, ReportStatus.ACCEPTED),
        ]
        assert history[0].superseded_by_id == correction.id
        assert effective_report_version_ids(conn, 2) == [original.id, original.id + 1]
    assert kit.payable() == {(1, 1, 0): 12_000_000, (3, 1, 0): 1_000_000}
    # a cut taken before the correction still sees the original version
    assert kit.payable(cut=2) == {(1, 1, 0): 10_000_000, (2, 1, 0): 5_000_000, (3, 1, 0): 1_000_000}


def test_new_report_overlapping_a_settled_period_is_rejected(kit: IntakeKit) -> None:
    path, signature = kit.csv_report("a.csv", ["1,0,10,"], report_id="week-1")
    settled = kit.ingest(path, signature).report
    with kit.engine.begin() as conn:
        assert mark_settled(conn, [settled.id], epoch=3) == 1
        assert mark_settled(conn, [settled.id], epoch=4) == 0  # first epoch wins
    overlap = (PERIOD[0] + 86_400, PERIOD[1] + 86_400)
    path, signature = kit.csv_report("b.csv", ["1,0,1,"], report_id="late", period=overlap)
    with pytest.raises(ReportRejectedError) as info:
        kit.ingest(path, signature)
    (issue,) = info.value.issues
    assert issue.field == "period_start"
    assert "'week-1'" in issue.message
    assert "epoch 3" in issue.message
    # the next period is fine, and a correction of the settled report itself is allowed
    path, signature = kit.csv_report(
        "c.csv", ["1,0,1,"], report_id="week-2", period=(PERIOD[1], PERIOD[1] + WEEK)
    )
    assert kit.ingest(path, signature).report.status is ReportStatus.ACCEPTED
    path, signature = kit.csv_report("d.csv", ["1,0,11,"], report_id="week-1")
    assert kit.ingest(path, signature).report.status is ReportStatus.ACCEPTED
    assert kit.payable() == {(1, 1, 0): 12_000_000}


def test_rejected_versions_get_no_intake_sequence(kit: IntakeKit) -> None:
    bad, bad_sig = kit.csv_report("bad.csv", ["1,0,-1,"], report_id="bad")
    with pytest.raises(ReportRejectedError):
        kit.ingest(bad, bad_sig)
    good, good_sig = kit.csv_report("good.csv", ["1,0,1,"], report_id="good")
    assert kit.ingest(good, good_sig).report.intake_seq == 1
