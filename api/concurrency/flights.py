"""Single flight per key and Idempotency-Key replay for side-effecting requests (claims, mints).

`run_idempotent` is the whole protocol, for any operation that sends something once:

1. it holds the in-process lock of every flight key (e.g. ("claim", account, token)) in sorted
   order, so two requests for one account and token never run at once in this process;
2. `replay()` returns the stored result of this Idempotency-Key, if the first request finished:
   a replay answers exactly what the first request answered, and sends nothing;
3. `start()` records the attempt as pending (committed) before anything is sent. Across
   processes the store's unique keys catch a concurrent twin: an IntegrityError from `start` is
   answered with the twin's stored result if it finished, else with `InFlight` (409, retry);
4. `perform(handle)` does the work and records its result; any exception calls
   `fail(handle, exc)` first, so no attempt is ever left pending by an error. (A crash of the
   process between 3 and 4 leaves a pending row: the operation's own resume, with the same key,
   is its path to completion; claims also fail such a row once it is older than
   `claim_pending_timeout_seconds`, at the account's next claim.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError

from api.errors import Conflict

T = TypeVar("T")
H = TypeVar("H")

DEFAULT_WAIT_SECONDS = 120.0


class InFlight(Conflict):
    """The same operation is running elsewhere; send the request again shortly."""

    code = "in_flight"


class KeyedLocks:
    """One re-entrant lock per key; an entry lives only while someone holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Hashable, tuple[threading.RLock, int]] = {}

    @contextmanager
    def hold(self, key: Hashable, timeout: float = DEFAULT_WAIT_SECONDS) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.RLock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            if not lock.acquire(timeout=timeout):
                raise InFlight(
                    f"another request for {_describe(key)} is still running after {timeout} s; "
                    "send this one again later",
                    {"retry_after_seconds": 5},
                )
            try:
                yield
            finally:
                lock.release()
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def active(self) -> int:
        """How many keys are held or waited for (0 when idle: no entry leaks)."""
        with self._guard:
            return len(self._locks)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    value: T
    #: True when the value is the stored result of an earlier request with this key.
    replayed: bool


def _describe(key: Hashable) -> str:
    if isinstance(key, tuple):
        return " ".join(str(part) for part in key)
    return str(key)


def run_idempotent(
    locks: KeyedLocks,
    flight_keys: Sequence[Hashable],
    *,
    replay: Callable[[], T | None],
    start: Callable[[], H],
    perform: Callable[[H], T],
    fail: Callable[[H, BaseException], None],
    timeout: float = DEFAULT_WAIT_SECONDS,
) -> Outcome[T]:
    """Runs `perform` at most once per idempotency key and one at a time per flight key."""
    with ExitStack() as stack:
        for key in sorted(set(flight_keys), key=repr):
            stack.enter_context(locks.hold(key, timeout))
        stored = replay()
        if stored is not None:
            return Outcome(stored, replayed=True)
        try:
            handle = start()
        except IntegrityError as exc:
            stored = replay()
            if stored is not None:
                return Outcome(stored, replayed=True)
            raise InFlight(
                "the same request is being processed by another API process; send it again "
                "shortly to read its result",
                {"retry_after_seconds": 5},
            ) from exc
        try:
            result = perform(handle)
        except BaseException as exc:
            fail(handle, exc)
            raise
        return Outcome(result, replayed=False)


_app_guard = threading.Lock()


def app_flights(state: object, name: str = "flights") -> KeyedLocks:
    """The KeyedLocks kept on an app's `state` under `name` (created on first use)."""
    with _app_guard:
        locks = getattr(state, name, None)
        if not isinstance(locks, KeyedLocks):
            locks = KeyedLocks()
            setattr(state, name, locks)
        return locks
