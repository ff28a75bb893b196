"""Writes a registered track into the oracle's catalog (same database, oracle's own functions)."""

from __future__ import annotations

from sqlmodel import Session

from api.chain.gateway import ChainGateway
from api.tracks.models import Track


def publish_track_to_catalog(session: Session, chain: ChainGateway, track: Track) -> None:
    """Placeholder until oracle.catalog lands: the oracle reads the chain itself meanwhile."""
    del session, chain, track
