"""Registered tracks, their metadata and their (immutable) split recipients."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel


class Track(SQLModel, table=True):
    __tablename__ = "api_track"

    track_id: int = Field(primary_key=True, sa_type=BigInteger)
    split_address: str = Field(index=True, max_length=42)
    controller: str = Field(index=True, max_length=42)
    title: str = Field(max_length=300)
    isrc: str | None = Field(default=None, index=True, max_length=12)
    ai_disclosure: str = Field(max_length=20)
    model_name: str | None = Field(default=None, max_length=200)
    dataset_attribution: str | None = Field(default=None, max_length=2000)
    content_hash: str = Field(max_length=66)
    metadata_hash: str = Field(max_length=66)
    tier: int
    ai_consent_mask: int
    # Registered with settleToSplit (immutable): the split itself is the settlement account.
    settle_to_split: bool = Field(default=False, sa_column_kwargs={"server_default": sa_false()})
    registered_tx: str = Field(max_length=66)
    idempotency_key: str | None = Field(default=None, unique=True, max_length=100)
    created_at: datetime


class TrackContributor(SQLModel, table=True):
    __tablename__ = "api_track_contributor"

    track_id: int = Field(primary_key=True, foreign_key="api_track.track_id", sa_type=BigInteger)
    address: str = Field(primary_key=True, index=True, max_length=42)
    share: int
    role: str = Field(max_length=50)
