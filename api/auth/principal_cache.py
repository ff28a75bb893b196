"""A short-lived per-process cache of resolved bearer tokens (keyed by the token's hash).

It saves a database read on every authenticated request. A revoked or expired session stays
usable for at most `ttl_seconds` in other processes; logging out evicts it in this one.
"""

from __future__ import annotations

import threading
import time

from api.auth.principal import Principal


class PrincipalCache:
    def __init__(self, ttl_seconds: float = 5.0, max_entries: int = 50_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(token_hash)
            if entry is None:
                return None
            if entry[1] < time.monotonic():
                del self._entries[token_hash]
                return None
            return entry[0]

    def put(self, token_hash: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[token_hash] = (principal, time.monotonic() + self.ttl_seconds)

    def evict(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)
