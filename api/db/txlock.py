"""One database transaction at a time across `up`'s processes, when the database is SQLite.

The API, the indexer and the oracle worker are separate processes on one SQLite file. A
transaction that reads first and writes later (SQLite's deferred BEGIN) fails at once with
"database is locked" when another process committed in between: its snapshot is stale and no
busy timeout helps. So every process of `up` takes an exclusive file lock (flock) for the span
of each transaction on that file. Inside one process the lock is shared by all connections and
threads (counted), so code that opens a second connection while a first is open cannot deadlock
itself, and the API's threads keep their concurrency. PostgreSQL needs none of this.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

LOCK_TIMEOUT_SECONDS = 120.0
_MARK = "royalties_shared_lock"


class SharedTransactionLock:
    def __init__(self, lock_path: Path, database: str) -> None:
        self.lock_path = lock_path
        self.database = os.path.realpath(database)
        self._fd: int | None = None
        self._holders = 0
        self._mutex = threading.Lock()

    def _acquire(self) -> None:
        with self._mutex:
            if self._holders == 0:
                if self._fd is None:
                    self.lock_path.parent.mkdir(parents=True, exist_ok=True)
                    self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
                deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
                while True:
                    try:
                        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise TimeoutError(
                                f"database lock {self.lock_path} held for over "
                                f"{LOCK_TIMEOUT_SECONDS:.0f}s by another process"
                            ) from None
                        time.sleep(0.005)
            self._holders += 1

    def _release(self) -> None:
        with self._mutex:
            self._holders -= 1
            if self._holders == 0 and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _ours(self, connection: Any) -> bool:
        url = connection.engine.url
        return (
            url.get_backend_name() == "sqlite"
            and bool(url.database)
            and os.path.realpath(url.database) == self.database
        )

    def on_begin(self, connection: Any) -> None:
        if self._ours(connection) and not connection.info.get(_MARK):
            self._wrap(connection.engine.dialect)
            self._acquire()
            connection.info[_MARK] = True

    def _end(self, info: dict[str, Any]) -> None:
        if info.pop(_MARK, False):
            self._release()

    def _wrap(self, dialect: Any) -> None:
        """Releases the lock only once the COMMIT (or ROLLBACK) has run on the connection.

        SQLAlchemy's commit and rollback events fire before the statement is sent; released
        there, another process could begin, read a snapshot older than this commit and then
        fail its own write with "database is locked"."""
        if getattr(dialect, "_royalties_lock_wrapped", False):
            return
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                self._end(dbapi_connection.info)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                self._end(dbapi_connection.info)

        dialect.do_commit = do_commit
        dialect.do_rollback = do_rollback
        dialect._royalties_lock_wrapped = True

    def install(self) -> None:
        """Applies to every engine of this process (the API's, the indexer's, the oracle's)."""
        event.listen(Engine, "begin", self.on_begin)


_installed: dict[str, SharedTransactionLock] = {}


def install_shared_lock(database_url: str) -> SharedTransactionLock | None:
    """Installs the lock when `database_url` is an SQLite file (once per file and process).

    The lock file sits next to the database (`<file>.txlock`), so every process that opens the
    same database, however it was configured, takes the same lock.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    database = os.path.realpath(str(url.database))
    if database not in _installed:
        lock = SharedTransactionLock(Path(database + ".txlock"), database)
        lock.install()
        _installed[database] = lock
    return _installed[database]
