"""get_tracks reads a dense chunk of ids as a range and a sparse one as an IN list: either way
it returns exactly the tracks asked for, with their consents and tier history."""

from __future__ import annotations

from sqlalchemy import Engine

from oracle.catalog import Consent, get_tracks, upsert_track


def test_get_tracks_returns_exactly_the_ids_asked_for_dense_or_sparse(
    intake_engine: Engine,
) -> None:
    with intake_engine.begin() as conn:
        for track_id in [*range(1, 21), 5_000, 90_000]:
            upsert_track(
                conn,
                track_id,
                tier=1 + track_id % 4,
                consents={0: Consent(granted_at=track_id)},
                tier_history=[(0, 1), (track_id, 2)] if track_id % 2 else None,
            )
    with intake_engine.connect() as conn:
        dense = get_tracks(conn, [3, 4, 6, 7, 9, 9, 10, 11])  # a range holding 5 and 8 too
        sparse = get_tracks(conn, [2, 5_000, 90_000, 123_456])  # 123456 is unknown
    assert sorted(dense) == [3, 4, 6, 7, 9, 10, 11]
    assert sorted(sparse) == [2, 5_000, 90_000]
    assert dense[7].consents == {0: Consent(granted_at=7)}
    assert dense[7].tiers == ((0, 1), (7, 2))
    assert dense[6].tiers == ()
    assert sparse[5_000].consents == {0: Consent(granted_at=5_000)}
