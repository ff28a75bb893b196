"""Onboarded platforms: their on-chain id, signing key and hashed API key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from api.db.types import UINT256_DIGITS


class PlatformAccount(SQLModel, table=True):
    __tablename__ = "api_platform"

    platform_id: int = Field(primary_key=True, sa_type=BigInteger)
    name: str = Field(unique=True, max_length=200)
    payer_address: str = Field(max_length=42)
    signing_address: str = Field(index=True, max_length=42)
    token: str = Field(max_length=42)
    declared_max_units: str = Field(max_length=UINT256_DIGITS)
    api_key_hash: str = Field(unique=True, max_length=64)
    registered_tx: str = Field(max_length=66)
    created_at: datetime
