"""The cross-process transaction lock of `up` on SQLite: a read-then-write transaction in one
process survives another process committing all the time (and fails without the lock)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys, time
from sqlalchemy import text
from sqlmodel import Session
from api.db.engine import make_engine
from api.db.txlock import install_shared_lock

url, role, use_lock = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
if use_lock:
    install_shared_lock(url)
engine = make_engine(url)
if role == "reader-writer":
    for _ in range(3):
        with Session(engine) as session:
            session.execute(text("SELECT count(*) FROM t")).scalar()
            time.sleep(0.5)  # e.g. waiting for a transaction receipt
            session.execute(text("INSERT INTO t VALUES (1)"))
            session.commit()
    print("reader-writer done")
elif role == "slow-committer":
    # Each COMMIT takes 0.3 s to land (a loaded disk's fsync): the lock must stay held until
    # it has, or the other process reads a snapshot the commit then makes stale.
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    original = SQLiteDialect_pysqlite.do_commit

    def slow_commit(self, dbapi_connection):
        time.sleep(0.3)
        original(self, dbapi_connection)

    SQLiteDialect_pysqlite.do_commit = slow_commit
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        with Session(engine) as session:
            session.execute(text("INSERT INTO t VALUES (3)"))
            session.commit()
else:
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        with Session(engine) as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            session.commit()
        time.sleep(0.02)
"""


def _run_pair(
    tmp_path: Path, use_lock: bool, other: str = "writer"
) -> subprocess.CompletedProcess[str]:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    setup = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('PRAGMA journal_mode=WAL'); c.execute('CREATE TABLE t (x INT)'); c.commit()",
            str(tmp_path / "shared.db"),
        ],
        check=True,
    )
    assert setup.returncode == 0
    flag = "1" if use_lock else "0"
    writer = subprocess.Popen([sys.executable, "-c", SCRIPT, url, other, flag])
    try:
        return subprocess.run(
            [sys.executable, "-c", SCRIPT, url, "reader-writer", flag],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        writer.wait(timeout=60)


def test_read_then_write_survives_another_writer_with_the_lock(tmp_path: Path) -> None:
    result = _run_pair(tmp_path, use_lock=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reader-writer done" in result.stdout


def test_the_lock_is_held_until_the_commit_has_landed(tmp_path: Path) -> None:
    result = _run_pair(tmp_path, use_lock=True, other="slow-committer")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "reader-writer done" in result.stdout


def test_without_the_lock_sqlite_fails_the_stale_transaction(tmp_path: Path) -> None:
    result = _run_pair(tmp_path, use_lock=False)
    assert result.returncode != 0
    assert "database is locked" in result.stderr
