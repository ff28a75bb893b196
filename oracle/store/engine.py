"""Engine creation for the oracle's store (SQLite by default, PostgreSQL by URL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

CACHE_KIB = 128 * 1024


def create_store_engine(database_url: str) -> Engine:
    """An engine for `database_url`; SQLite gets WAL, full fsync on commit and foreign keys."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        from pathlib import Path

        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before the call returns (the ack depends on it).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # A 128 MiB page cache per connection (the default is 2 MiB): the epoch engine's
        # inserts land at random places in the account indexes, which miss a small cache.
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.close()

    return engine
