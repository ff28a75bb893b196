"""The intake sequence counter shared by accepted reports and quarantine decisions."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from oracle.errors import StoreError
from oracle.store.schema import INTAKE_SEQ_COUNTER, counters


def take_intake_seq(conn: Connection) -> int:
    """The next intake sequence number.

    The UPDATE comes first so the row stays locked (PostgreSQL) or the database write-locked
    (SQLite) until the caller's transaction ends: numbers become visible in the order they
    were taken, so an epoch cut at N never later gains a number below N.
    """
    result = conn.execute(
        update(counters)
        .where(counters.c.name == INTAKE_SEQ_COUNTER)
        .values(value=counters.c.value + 1)
    )
    if result.rowcount != 1:
        raise StoreError("oracle_counters has no intake_seq row: run oracle.store.migrate.upgrade")
    return int(
        conn.execute(
            select(counters.c.value).where(counters.c.name == INTAKE_SEQ_COUNTER)
        ).scalar_one()
    )


def latest_intake_seq(conn: Connection) -> int:
    """The highest intake sequence number handed out so far (0 before the first)."""
    value = conn.execute(
        select(counters.c.value).where(counters.c.name == INTAKE_SEQ_COUNTER)
    ).scalar()
    if value is None:
        raise StoreError("oracle_counters has no intake_seq row: run oracle.store.migrate.upgrade")
    return int(value)
