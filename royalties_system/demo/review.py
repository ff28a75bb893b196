"""Step 4b: the operator reviews quarantined usage (what `royalties oracle quarantine release`
does): the DSR's streams from the day before the tracks were registered on chain are released;
the AI generations of the track without AI consent stay held and are never paid."""

from __future__ import annotations

from oracle.store.engine import create_store_engine
from oracle.store.quarantine_repository import list_quarantine, release
from royalties_system.demo.context import Demo


def review_quarantine(demo: Demo, database_url: str, release_version_ids: list[int]) -> None:
    demo.step("4b. Operator review of quarantined usage (oracle store, as the oracle CLI does)")
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as conn:
            for version_id in release_version_ids:
                for entry in list_quarantine(conn, report_version_id=version_id):
                    decided = release(conn, entry.id, "demo operator")
                    demo.line(
                        f"released #{decided.id}: track {decided.track_id} class "
                        f"{decided.usage_class} {decided.micro_units} micro-units "
                        f"({entry.reason.value}: usage before the on-chain registration)"
                    )
        optout = int(demo.tracks["optout"]["track_id"])
        with engine.connect() as conn:
            for entry in list_quarantine(conn):
                if entry.track_id == optout:
                    demo.line(
                        f"kept held #{entry.id}: track {entry.track_id} class {entry.usage_class} "
                        f"{entry.micro_units} micro-units ({entry.reason.value}: {entry.detail})"
                    )
    finally:
        engine.dispose()
