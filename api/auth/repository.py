"""Queries on sign-in nonces and wallet sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.auth.models import AuthNonce, WalletSession


class AuthRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add_nonce(self, nonce: AuthNonce) -> None:
        self.session.add(nonce)
        self.session.commit()

    def consume_nonce(self, nonce: str, now: datetime) -> bool:
        """Marks an unexpired, unused nonce used; False if none was (single use, race-safe)."""
        result = self.session.execute(
            update(AuthNonce)
            .where(col(AuthNonce.nonce) == nonce)
            .where(col(AuthNonce.used_at).is_(None))
            .where(col(AuthNonce.expires_at) > now)
            .values(used_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def add_session(self, wallet_session: WalletSession) -> None:
        self.session.add(wallet_session)
        self.session.commit()

    def active_session(self, token_hash: str, now: datetime) -> WalletSession | None:
        return self.session.exec(
            select(WalletSession)
            .where(WalletSession.token_hash == token_hash)
            .where(col(WalletSession.revoked_at).is_(None))
            .where(WalletSession.expires_at > now)
        ).first()

    def revoke_session(self, token_hash: str, now: datetime) -> None:
        self.session.execute(
            update(WalletSession)
            .where(col(WalletSession.token_hash) == token_hash)
            .values(revoked_at=now)
        )
        self.session.commit()
