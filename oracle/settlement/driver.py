"""Plain DB-API access for the epoch engine's catalog-sized loops.

A SQLAlchemy Row costs microseconds, and compiling an ``IN`` list of thousands of bound values
costs more than running it; an epoch at platform scale reads and writes millions of rows. These
helpers run hand-written SQL (table and column names from the Core tables, values always bound,
never formatted into the text) straight on the connection's driver cursor, with the dialect's
parameter mark. They see what the SQLAlchemy connection wrote (same driver connection, same
transaction).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

BATCH = 10_000
"""Rows per executemany and per fetchmany."""
STREAM = {"stream_results": True, "max_row_buffer": BATCH}


def mark(conn: Connection) -> str:
    """The driver's positional parameter mark ("?" for sqlite3, "%s" for psycopg)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def marks(conn: Connection, count: int) -> str:
    """`count` parameter marks, comma-separated (for an IN list)."""
    return ", ".join([mark(conn)] * count)


def rows(conn: Connection, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """The rows of `sql` (positional parameters) as plain tuples, fetched in batches."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
        while batch := cursor.fetchmany(BATCH):
            yield from batch
    finally:
        cursor.close()


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], values: Sequence[Any]
) -> None:
    """executemany of positional rows into `table`, in batches."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(conn, len(columns))})"
    for start in range(0, len(values), BATCH):
        conn.exec_driver_sql(sql, list(values[start : start + BATCH]))


def stream_rows(conn: Connection, query: Any) -> Generator[tuple[Any, ...], None, None]:
    """The rows of `query` as plain tuples, streamed in batches.

    On SQLite the driver cursor is read directly: a SQLAlchemy Row costs about 4 us, and an
    epoch streams millions of catalog-sized rows (leaves, credits). The statement runs on
    `conn`'s own driver connection, so it sees what `conn` wrote. Other dialects use
    SQLAlchemy's server-side streaming.
    """
    if conn.dialect.name != "sqlite":
        for row in conn.execution_options(**STREAM).execute(query):
            yield tuple(row)
        return
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    positional = [params[name] for name in compiled.positiontup or ()]
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(compiled.string, positional)
        while rows := cursor.fetchmany(BATCH):
            yield from rows
    finally:
        cursor.close()


def grouped(rows: Iterable[Any], key: Callable[[Any], Any]) -> Iterator[tuple[Any, list[Any]]]:
    for value, group in itertools.groupby(rows, key=key):
        yield value, list(group)


def newest(rows: Iterable[tuple[Any, ...]]) -> dict[Any, tuple[Any, ...]]:
    """Per key (first column): the row with the highest version epoch (second column)."""
    best: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        held = best.get(row[0])
        if held is None or int(row[1]) > int(held[1]):
            best[row[0]] = row
    return best
