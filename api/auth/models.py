"""Sign-in nonces and wallet sessions."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class AuthNonce(SQLModel, table=True):
    __tablename__ = "api_auth_nonce"

    nonce: str = Field(primary_key=True, max_length=64)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class WalletSession(SQLModel, table=True):
    __tablename__ = "api_wallet_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    address: str = Field(index=True, max_length=42)
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
