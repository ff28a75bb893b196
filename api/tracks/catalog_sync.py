"""Writes a track into the oracle catalog (same database), tier history and consent read from chain,
with its split's recipient list (the oracle checks it against the split's on-chain
recipientsRoot() before it flattens settlement through the split)."""

from __future__ import annotations

from sqlmodel import Session, select

from api.chain.gateway import ChainGateway
from api.tracks.models import Track, TrackContributor
from chain_client.constants import NUM_CLASSES
from oracle.catalog import Consent, upsert_track


def publish_track_to_catalog(session: Session, chain: ChainGateway, track: Track) -> None:
    registry = chain.contract("TrackRegistry")
    info = chain.call(registry.functions.track(track.track_id))
    # The tier history (changes scheduled ahead included): intake judges usage by the tier in
    # force in its period, so a scheduled change is never applied to earlier usage.
    initial, changes = chain.call(registry.functions.tierHistory(track.track_id))
    tier_history = [(0, int(initial)), *((int(f), int(t)) for f, t in changes)]
    consents = {}
    for usage_class in range(NUM_CLASSES):
        granted_at, revoked_at = chain.call(registry.functions.consent(track.track_id, usage_class))
        consents[usage_class] = Consent(int(granted_at), int(revoked_at))
    listed = sorted(
        session.exec(select(TrackContributor).where(TrackContributor.track_id == track.track_id)),
        key=lambda c: int(c.address, 16),
    )
    upsert_track(
        session.connection(),
        track.track_id,
        tier=int(info[2]),
        isrc=track.isrc,
        split_address=track.split_address,
        controller=str(info[1]),
        consents=consents,
        # TrackInfo.settleToSplit (immutable): the split itself is the settlement account.
        settle_to_split=bool(info[5]) if len(info) > 5 else None,
        recipients=[c.address for c in listed] if listed else None,
        shares=[c.share for c in listed] if listed else None,
        tier_history=tier_history,
    )
    session.commit()
