"""The data file's track records of an epoch (step 5's largest part), spooled to a file.

Every moved (track, token) gets one canonical line (oracle.settlement.records.track_line) from
four sorted streams merged by track: its amount, its usage totals (this epoch's and the settled
ones it did not move), its fixed paths (each credit is path_credit(amount, product, depth)) and
its split's recipients.

The lines depend only on what steps 1-3 committed, not on the leaves, so a large epoch writes
them in a second process while this one computes the leaves and the tree (a 2-core machine does
both at once); a small one writes them in line, where a process start would cost more than it
saves. Either way the bytes are the same.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine, exists, select, union_all

from oracle.epoch.tables import epoch_totals, settled_totals
from oracle.settlement.driver import grouped, stream_rows
from oracle.settlement.flatten import path_credit
from oracle.settlement.records import track_line
from oracle.settlement.tables import epoch_track_amounts, split_recipients, track_paths
from oracle.store.schema import tracks

BACKGROUND_MIN_TRACKS = 20_000
"""Moved tracks from which the track records are written in a second process."""


def not_moved_in(epoch: int) -> Any:
    """A settled total with no row of its (track, platform, class, card) in this epoch's totals."""
    return ~exists().where(
        epoch_totals.c.epoch == epoch,
        epoch_totals.c.track_id == settled_totals.c.track_id,
        epoch_totals.c.platform_id == settled_totals.c.platform_id,
        epoch_totals.c.usage_class == settled_totals.c.usage_class,
        epoch_totals.c.rate_from == settled_totals.c.rate_from,
    )


def _track_streams(conn: Connection, epoch: int) -> dict[str, Iterator[Any]]:
    moved_tracks = select(epoch_track_amounts.c.track_id).where(
        epoch_track_amounts.c.epoch == epoch
    )
    current = select(
        epoch_totals.c.track_id,
        epoch_totals.c.platform_id,
        epoch_totals.c.rate_from,
        epoch_totals.c.usage_class,
        epoch_totals.c.micro_units,
        epoch_totals.c.amount,
    ).where(epoch_totals.c.epoch == epoch)
    unchanged = select(
        settled_totals.c.track_id,
        settled_totals.c.platform_id,
        settled_totals.c.rate_from,
        settled_totals.c.usage_class,
        settled_totals.c.micro_units,
        settled_totals.c.amount,
    ).where(
        settled_totals.c.track_id.in_(moved_tracks),
        not_moved_in(epoch),
    )
    totals = union_all(current, unchanged).subquery("all_totals")

    def run(query: Any) -> Iterator[Any]:
        return stream_rows(conn, query)

    return {
        "amounts": run(
            select(
                epoch_track_amounts.c.track_id,
                epoch_track_amounts.c.token,
                epoch_track_amounts.c.amount,
                tracks.c.split_address,
                tracks.c.settle_to_split,
            )
            .outerjoin(tracks, tracks.c.track_id == epoch_track_amounts.c.track_id)
            .where(epoch_track_amounts.c.epoch == epoch)
            .order_by(epoch_track_amounts.c.track_id, epoch_track_amounts.c.token)
        ),
        "totals": run(
            select(totals).order_by(
                totals.c.track_id, totals.c.platform_id, totals.c.rate_from, totals.c.usage_class
            )
        ),
        "paths": run(
            select(
                track_paths.c.track_id,
                track_paths.c.account,
                track_paths.c.via,
                track_paths.c.product,
                track_paths.c.depth,
            )
            .where(track_paths.c.track_id.in_(moved_tracks))
            .order_by(track_paths.c.track_id, track_paths.c.seq)
        ),
        "recipients": run(
            select(tracks.c.track_id, split_recipients.c.recipient, split_recipients.c.share)
            .join(split_recipients, split_recipients.c.split == tracks.c.split_address)
            .where(tracks.c.track_id.in_(moved_tracks))
            .order_by(tracks.c.track_id, split_recipients.c.position)
        ),
    }


class _Cursor:
    """Takes the rows of one sorted stream that belong to a key, in order."""

    def __init__(self, rows: Iterator[Any]) -> None:
        self.rows = rows
        self.head = next(rows, None)

    def take(self, track_id: int) -> list[Any]:
        taken: list[Any] = []
        while self.head is not None and int(self.head[0]) < track_id:
            self.head = next(self.rows, None)
        while self.head is not None and int(self.head[0]) == track_id:
            taken.append(self.head)
            self.head = next(self.rows, None)
        return taken


def track_lines(
    conn: Connection, epoch: int, token_of: Mapping[int, str]
) -> Iterator[tuple[bytes, set[str]]]:
    """(data file line, nested splits it names) of every moved (track, token), by track and
    token."""
    streams = _track_streams(conn, epoch)
    totals = _Cursor(streams["totals"])
    path_rows = _Cursor(streams["paths"])
    recipients = _Cursor(streams["recipients"])
    for track_id, group in grouped(streams["amounts"], lambda r: int(r[0])):
        usage_rows = [
            (int(p), int(r), int(c), int(u), int(a)) for _t, p, r, c, u, a in totals.take(track_id)
        ]
        paths = [
            (str(acc), str(via), int(product), int(depth))
            for _t, acc, via, product, depth in path_rows.take(track_id)
        ]
        own = [(str(r), int(s)) for _t, r, s in recipients.take(track_id)]
        for _t, token, amount, split, settle in group:
            yield track_line(
                track_id=track_id,
                token=str(token),
                amount=int(amount),
                split=str(split) if split else "",
                settle_to_split=bool(settle),
                usage_rows=[row for row in usage_rows if token_of.get(row[0]) == token],
                credit_rows=[
                    (acc, via, path_credit(int(amount), product, depth))
                    for acc, via, product, depth in paths
                ],
                own_recipients=own,
            )


def write_track_spool(
    conn: Connection, epoch: int, token_of: Mapping[int, str], spool_path: Path
) -> list[str]:
    """Writes every moved (track, token)'s line to `spool_path`; the nested splits they name,
    sorted."""
    nested: set[str] = set()
    spool_path.parent.mkdir(parents=True, exist_ok=True)
    with open(spool_path, "wb") as spool:
        lines: list[bytes] = []
        for line, names in track_lines(conn, epoch, token_of):
            nested |= names
            lines.append(line)
            if len(lines) >= 2_000:
                spool.write(b"".join(lines))
                lines.clear()
        spool.write(b"".join(lines))
    return sorted(nested)


def _spool_in_child(
    database_url: str, epoch: int, token_of: dict[int, str], spool_path: str
) -> list[str]:
    from oracle.store.engine import create_store_engine

    engine = create_store_engine(database_url)
    try:
        with engine.connect() as conn:
            return write_track_spool(conn, epoch, token_of, Path(spool_path))
    finally:
        engine.dispose()


class TrackSpool:
    """The track records of `epoch`, written in a second process when `moved_tracks` reaches
    BACKGROUND_MIN_TRACKS, else in line when `names()` is asked. Leaving the context without
    asking (an epoch that changed nothing, an error) waits for the process and drops the file."""

    def __init__(
        self,
        engine: Engine,
        epoch: int,
        token_of: Mapping[int, str],
        spool_path: Path,
        moved_tracks: int,
    ) -> None:
        self.engine = engine
        self.epoch = epoch
        self.token_of = dict(token_of)
        self.path = spool_path
        self.pool: ProcessPoolExecutor | None = None
        self.future: Future[list[str]] | None = None
        self.done = False
        on_disk = engine.url.database not in (None, "", ":memory:")
        # A daemonic process (a multiprocessing pool's worker) may not start one.
        can_spawn = not multiprocessing.current_process().daemon
        if on_disk and can_spawn and moved_tracks >= BACKGROUND_MIN_TRACKS:
            self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            url = engine.url.render_as_string(hide_password=False)
            self.future = self.pool.submit(
                _spool_in_child, url, epoch, self.token_of, str(spool_path)
            )

    def __enter__(self) -> TrackSpool:
        return self

    def names(self) -> list[str]:
        """Waits for (or writes) the spool; the nested splits its lines name, sorted."""
        self.done = True
        if self.future is not None:
            return self.future.result()
        with self.engine.connect() as conn:
            return write_track_spool(conn, self.epoch, self.token_of, self.path)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.pool is not None:
            if self.future is not None:
                self.future.cancel()
            self.pool.shutdown(wait=True)
        if kind is not None or not self.done:
            self.path.unlink(missing_ok=True)
