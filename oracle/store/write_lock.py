"""Serialised write transactions, so concurrent writers never surface as "database is locked".

SQLite allows one writer at a time. A transaction that reads first and writes later fails at once
with SQLITE_BUSY when another writer committed in between (WAL cannot upgrade a stale read
snapshot; the busy timeout does not apply). `run_write` therefore:

- in one process, queues the threads writing to one database file on a lock (no busy polling);
- across processes, takes SQLite's write lock with the transaction's first statement, where the
  busy timeout does apply (the store's engines set 30 s), so other processes wait their turn;
- retries a transaction that still meets a busy or locked database, with exponential backoff
  and jitter, until `deadline_seconds` have passed, then raises `WriteContentionError`.

On PostgreSQL the threads of one process queue the same way (no needless conflicts between
them), the transaction runs at SERIALIZABLE isolation, and serialisation failures with other
processes (SQLSTATE 40001) and deadlocks (40P01) are retried the same way. The work function
must therefore be safe to run again: it does all its reads and writes through the connection it
is given.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from oracle.errors import StoreError

T = TypeVar("T")

#: How long a write waits for its turn (queue, busy timeout and retries together) by default.
DEFAULT_DEADLINE_SECONDS = 60.0

_RETRY_SQLSTATES = frozenset({"40001", "40P01"})
_SQLITE_BUSY_WORDS = ("database is locked", "database table is locked", "database is busy")

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class WriteContentionError(StoreError):
    """A write transaction could not get its turn before its deadline (the store is overloaded)."""


def _key(engine: Engine) -> str:
    if engine.dialect.name != "sqlite":
        return engine.url.render_as_string(hide_password=True)
    database = engine.url.database or ""
    if database and database != ":memory:":
        from pathlib import Path

        return str(Path(database).resolve())
    return f"{database}:{id(engine)}"


def _lock_for(engine: Engine) -> threading.Lock:
    key = _key(engine)
    with _locks_guard:
        lock = _locks.get(key)
        if lock is None:
            lock = _locks[key] = threading.Lock()
        return lock


def is_retryable(exc: BaseException) -> bool:
    """True for SQLite busy/locked and PostgreSQL serialisation failures and deadlocks."""
    if not isinstance(exc, DBAPIError):
        return False
    origin = exc.orig
    sqlstate = getattr(origin, "sqlstate", None) or getattr(origin, "pgcode", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    text = str(origin).lower()
    return any(word in text for word in _SQLITE_BUSY_WORDS)


def take_sqlite_write_lock(conn: Connection) -> None:
    """Makes the current SQLite transaction a writer now (a no-op UPDATE, like BEGIN IMMEDIATE)."""
    conn.exec_driver_sql("UPDATE oracle_counters SET value = value WHERE name = '~write-lock'")


def run_write(
    engine: Engine,
    work: Callable[[Connection], T],
    *,
    deadline_seconds: float = DEFAULT_DEADLINE_SECONDS,
) -> T:
    """Runs `work(conn)` in one serialised write transaction and commits; retried on contention."""
    sqlite = engine.dialect.name == "sqlite"
    stop = time.monotonic() + deadline_seconds
    delay = 0.005
    attempts = 0
    while True:
        attempts += 1
        lock = _lock_for(engine)
        if not lock.acquire(timeout=max(0.0, stop - time.monotonic())):
            raise WriteContentionError(
                f"no turn to write to {engine.url.database} within {deadline_seconds} s"
            )
        try:
            if sqlite:
                with engine.begin() as conn:
                    take_sqlite_write_lock(conn)
                    return work(conn)
            with engine.connect() as conn:
                conn = conn.execution_options(isolation_level="SERIALIZABLE")
                with conn.begin():
                    return work(conn)
        except DBAPIError as exc:
            if not is_retryable(exc):
                raise
            if time.monotonic() + delay > stop:
                raise WriteContentionError(
                    f"write transaction still contended after {attempts} attempt(s) and "
                    f"{deadline_seconds} s: {exc.orig}"
                ) from exc
        finally:
            lock.release()
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 0.25)
