"""The indexer's cursor, the block hashes it saw (for reorg detection) and decoded events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


class IndexedBlock(SQLModel, table=True):
    __tablename__ = "api_indexed_block"

    block_number: int = Field(primary_key=True, sa_type=BigInteger)
    block_hash: str = Field(max_length=66)


class ChainEvent(SQLModel, table=True):
    __tablename__ = "api_chain_event"
    __table_args__ = (UniqueConstraint("block_number", "log_index", name="uq_api_chain_event_pos"),)

    id: int | None = Field(default=None, primary_key=True)
    block_number: int = Field(index=True, sa_type=BigInteger)
    block_hash: str = Field(max_length=66)
    log_index: int
    tx_hash: str = Field(max_length=66)
    contract: str = Field(max_length=40)
    address: str = Field(max_length=42)
    event: str = Field(index=True, max_length=60)
    args: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # Denormalised lookups used by dashboards.
    account: str | None = Field(default=None, index=True, max_length=42)
    split: str | None = Field(default=None, index=True, max_length=42)
