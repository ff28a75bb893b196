"""Editions created through the API and operator mints after off-chain sales."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from api.db.types import UINT256_DIGITS


class Edition(SQLModel, table=True):
    __tablename__ = "api_edition"

    edition_id: int = Field(primary_key=True, sa_type=BigInteger)
    track_id: int = Field(index=True, sa_type=BigInteger)
    token: str = Field(max_length=42)
    price: str = Field(max_length=UINT256_DIGITS)
    max_supply: int = Field(sa_type=BigInteger)
    sale_start: int = Field(sa_type=BigInteger)
    sale_end: int = Field(sa_type=BigInteger)
    per_wallet_cap: int = Field(sa_type=BigInteger)
    royalty_bps: int
    created_tx: str = Field(max_length=66)
    created_at: datetime


class MintOrder(SQLModel, table=True):
    __tablename__ = "api_mint_order"

    order_id: str = Field(primary_key=True, max_length=66)
    edition_id: int = Field(index=True, sa_type=BigInteger)
    recipient: str = Field(max_length=42)
    quantity: int
    tx_hash: str = Field(max_length=66)
    created_at: datetime
