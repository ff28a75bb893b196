"""Sign-In with Ethereum (EIP-4361) and resolution of bearer tokens into principals."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from siwe import SiweMessage, VerificationError
from sqlmodel import Session
from web3 import Web3

from api.auth.models import AuthNonce, WalletSession
from api.auth.principal import Principal, Role
from api.auth.repository import AuthRepository
from api.auth.schemas import NonceOut, SessionOut
from api.auth.tokens import PLATFORM_KEY_PREFIX, SESSION_PREFIX, hash_token, new_token
from api.db.types import utc_now
from api.errors import Unauthorized
from api.platforms.repository import PlatformRepository
from api.settings import ApiSettings

#: How far ahead of the server's clock a SIWE Issued At may be.
SIWE_CLOCK_SKEW = timedelta(seconds=60)


def _origin(uri: str) -> str:
    """scheme://host[:port] of a URI, lower-cased (default ports dropped)."""
    parts = urlsplit(uri.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return uri
    if port == {"http": 80, "https": 443}.get(scheme):
        port = None
    return f"{scheme}://{host}" + (f":{port}" if port else "")


def _timestamp(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        return None
    if value.tzinfo is None:
        return None
    return value.astimezone(UTC)


class AuthService:
    def __init__(self, session: Session, settings: ApiSettings) -> None:
        self.settings = settings
        self.repo = AuthRepository(session)
        self.platforms = PlatformRepository(session)

    def issue_nonce(self) -> NonceOut:
        now = utc_now()
        nonce = secrets.token_hex(16)
        expires = now + timedelta(seconds=self.settings.nonce_ttl_seconds)
        self.repo.add_nonce(AuthNonce(nonce=nonce, created_at=now, expires_at=expires))
        return NonceOut(
            nonce=nonce,
            domain=self.settings.siwe_domain,
            uri=self.settings.siwe_uri,
            chain_id=self.settings.chain_id,
            expires_at=expires,
        )

    def sign_in(self, message_text: str, signature: str) -> SessionOut:
        try:
            message = SiweMessage.from_message(message_text)
        except Exception as exc:  # the parser raises assorted types on malformed text
            raise Unauthorized(f"message: not a valid EIP-4361 message ({exc})") from exc
        now = utc_now()
        self._check_claims(message, signature)
        if not self.repo.consume_nonce(message.nonce, now):
            raise Unauthorized("nonce: unknown, expired or already used; request a new one")
        token = new_token(SESSION_PREFIX)
        expires = now + timedelta(seconds=self.settings.session_ttl_seconds)
        address = Web3.to_checksum_address(message.address)
        self.repo.add_session(
            WalletSession(
                token_hash=hash_token(token), address=address, created_at=now, expires_at=expires
            )
        )
        return SessionOut(token=token, address=address, expires_at=expires)

    def _check_claims(self, message: SiweMessage, signature: str) -> None:
        if message.domain != self.settings.siwe_domain:
            raise Unauthorized(
                f"domain: expected {self.settings.siwe_domain!r}, got {message.domain!r}"
            )
        if message.chain_id != self.settings.chain_id:
            raise Unauthorized(
                f"chain_id: expected {self.settings.chain_id}, got {message.chain_id}"
            )
        expected_origin = _origin(self.settings.siwe_uri)
        if _origin(message.uri) != expected_origin:
            raise Unauthorized(
                f"uri: the message is for {message.uri!r}, this service signs in at "
                f"{expected_origin!r} (EIP-4361: the URI must be the relying party's)"
            )
        issued = _timestamp(message.issued_at)
        if issued is None:
            raise Unauthorized(f"issued_at: not an RFC 3339 time: {message.issued_at!r}")
        now = utc_now()
        if issued > now + SIWE_CLOCK_SKEW:
            raise Unauthorized(
                f"issued_at: {message.issued_at} is in the future (server time "
                f"{now.isoformat()}, {int(SIWE_CLOCK_SKEW.total_seconds())} s skew allowed)"
            )
        if message.expiration_time is None:
            raise Unauthorized("expiration_time: the message must carry an Expiration Time")
        try:
            message.verify(
                signature, domain=self.settings.siwe_domain, chain_id=self.settings.chain_id
            )
        except VerificationError as exc:
            reason = type(exc).__name__
            raise Unauthorized(f"signature: SIWE verification failed ({reason})") from exc

    def sign_out(self, token: str) -> None:
        self.repo.revoke_session(hash_token(token), utc_now())

    def resolve(self, token: str) -> Principal:
        if hmac.compare_digest(token.encode(), self.settings.admin_token.encode()):
            return Principal(Role.OPERATOR)
        if token.startswith(SESSION_PREFIX):
            wallet_session = self.repo.active_session(hash_token(token), utc_now())
            if wallet_session is None:
                raise Unauthorized("authorization: session expired or unknown; sign in again")
            return Principal(Role.WALLET, address=wallet_session.address)
        if token.startswith(PLATFORM_KEY_PREFIX):
            platform = self.platforms.by_api_key_hash(hash_token(token))
            if platform is None:
                raise Unauthorized("authorization: unknown platform API key")
            return Principal(
                Role.PLATFORM, address=platform.signing_address, platform_id=platform.platform_id
            )
        raise Unauthorized("authorization: unrecognised bearer token")
