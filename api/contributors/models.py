"""Claims the API relayed for contributors (idempotent by key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class RelayedClaim(SQLModel, table=True):
    __tablename__ = "api_relayed_claim"
    __table_args__ = (
        UniqueConstraint("address", "idempotency_key", name="uq_api_relayed_claim_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(index=True, max_length=42)
    idempotency_key: str = Field(max_length=100)
    request_hash: str = Field(max_length=66)
    status: str = Field(max_length=20)
    tx_hash: str | None = Field(default=None, max_length=66)
    # Every transaction hash the claim sent, in order, as a JSON list (the column keeps the
    # name it had when a claim was pulls plus a release).
    pull_tx_hashes: str = Field(default="[]", max_length=8000)
    error: str | None = Field(default=None, max_length=2000)
    created_at: datetime
