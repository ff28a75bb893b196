"""Keeps the oracle's catalog in step with tier and consent changes made on chain.

A controller may send setTier / setConsent from their own wallet (the API then only prepares
the transaction), so the API never sees the outcome. The indexer stores the TierChanged and
ConsentChanged events; this follower re-publishes each affected track from the chain's state
(idempotent upserts), so after a restart it simply starts over from the first event.
"""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from api.chain.gateway import ChainGateway
from api.indexer.models import ChainEvent
from api.tracks.catalog_sync import publish_track_to_catalog
from api.tracks.models import Track

FOLLOWED = ("TierChanged", "ConsentChanged")


def publish_changed_tracks(engine: Engine, chain: ChainGateway, after_event_id: int) -> int:
    """Publishes tracks with tier/consent events after `after_event_id`; returns the new cursor."""
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(
            select(ChainEvent)
            .where(col(ChainEvent.id) > after_event_id, col(ChainEvent.event).in_(FOLLOWED))
            .order_by(col(ChainEvent.id))
        ).all()
        cursor = after_event_id
        track_ids: set[int] = set()
        for row in rows:
            cursor = max(cursor, int(row.id or 0))
            track_ids.add(int(row.args["trackId"]))
        session.rollback()
        registry = chain.contract("TrackRegistry")
        for track_id in sorted(track_ids):
            track = session.get(Track, track_id)
            if track is None:  # registered outside the API: not in its catalog either
                continue
            tier = int(chain.call(registry.functions.track(track_id))[2])
            if track.tier != tier:
                track.tier = tier
                session.add(track)
            publish_track_to_catalog(session, chain, track)  # commits
        return cursor
