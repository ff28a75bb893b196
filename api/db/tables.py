"""Imports every table of the API so Alembic and tests see one metadata."""

from __future__ import annotations

from sqlmodel import SQLModel

from api.auth.models import AuthNonce, WalletSession
from api.contributors.models import RelayedClaim
from api.editions.models import Edition, MintOrder
from api.indexer.models import ChainEvent, IndexedBlock
from api.platforms.models import PlatformAccount
from api.tracks.models import Track, TrackContributor

API_TABLES = (
    AuthNonce,
    WalletSession,
    PlatformAccount,
    Track,
    TrackContributor,
    Edition,
    MintOrder,
    RelayedClaim,
    IndexedBlock,
    ChainEvent,
)
metadata = SQLModel.metadata
