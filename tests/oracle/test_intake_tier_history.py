"""Usage is judged by the licence tier in force in its period (the track's tier history, as
TrackRegistry.tierHistory gives it), so a scheduled tier change is never retroactive."""

from __future__ import annotations

import pytest
from test_intake_kit import PERIOD, IntakeKit
from test_intake_quarantine import WEEK, ingest_rows, reasons

from oracle.catalog import Track, get_tracks, upsert_track
from oracle.errors import CatalogError
from oracle.store.records import QuarantineReason

CHANGE = PERIOD[0] + WEEK  # tier 6 (all classes) until then, tier 1 (no AI classes) after


def _schedule(kit: IntakeKit, track_id: int) -> None:
    with kit.engine.begin() as conn:
        # The catalog's current tier still reads 6; the history says 1 from CHANGE on.
        upsert_track(conn, track_id, 6, tier_history=[(0, 6), (CHANGE, 1)])


def test_usage_before_a_scheduled_tier_change_keeps_the_tier_it_had(kit: IntakeKit) -> None:
    _schedule(kit, 2)
    before = ingest_rows(kit, ["2,4,3,"], report_id="before", week=0)  # [start, CHANGE)
    after = ingest_rows(kit, ["2,4,5,"], report_id="after", week=1)  # [CHANGE, ...)
    assert reasons(before) == {}
    assert reasons(after) == {(2, 4): QuarantineReason.TIER}
    assert kit.payable() == {(2, 1, 4): 3_000_000}


def test_a_period_straddling_a_tier_change_needs_both_tiers() -> None:
    track = Track(2, 6, tiers=((0, 6), (CHANGE, 1)))
    assert track.tiers_during(CHANGE - 10, CHANGE) == {6}
    assert track.tiers_during(CHANGE - 10, CHANGE + 1) == {6, 1}
    assert track.tiers_during(CHANGE, CHANGE + 10) == {1}
    assert Track(3, 4).tiers_during(0, 10) == {4}  # no history: the catalog's tier


def test_tier_history_round_trips_and_is_checked(kit: IntakeKit) -> None:
    _schedule(kit, 3)
    with kit.engine.begin() as conn:
        assert get_tracks(conn, [3])[3].tiers == ((0, 6), (CHANGE, 1))
        upsert_track(conn, 3, 6)  # no history given: kept
        assert get_tracks(conn, [3])[3].tiers == ((0, 6), (CHANGE, 1))
        with pytest.raises(CatalogError, match="must start at 0 and ascend"):
            upsert_track(conn, 3, 6, tier_history=[(5, 6)])
        with pytest.raises(CatalogError, match="tier must be 1-6"):
            upsert_track(conn, 3, 6, tier_history=[(0, 6), (9, 7)])
