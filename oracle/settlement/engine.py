"""An epoch computed incrementally in the store's SQL engine, streamed, in bounded memory.

An epoch starts from the previous settled state (the latest confirmed epoch) and reads only
what changed since each platform's settled cut: report versions accepted, superseded or with
quarantine released since that cut. A correction adds the new version's usage and subtracts
the old one's. Everything catalog-sized (totals, track amounts, credits, leaves, tree levels)
lives in SQL tables and is streamed through Python in sorted order; Python only holds one
track or one account at a time, and Python ints for the products that exceed 64 bits.

Steps, each committed on its own (a crash mid-way leaves rows of an epoch with no epoch row,
which the next computation of that epoch number deletes first):

1. totals: per (track, platform, class) the new cumulative micro-units and amount of every
   key with a usage delta (oracle_epoch_totals), debits per platform; a platform whose debit
   exceeds its escrow is held back whole (its rows are dropped, its cut stays).
2. track amounts per (track, token) moved (oracle_epoch_track_amounts).
3. flattenings fixed for tracks settled for the first time (oracle_track_paths).
4. leaves: the per-account differences between the path credits of every moved (track, token)
   and its settled credits (neither is stored: path_credit of the new and of the settled track
   amount over the track's fixed paths) applied to the stored leaves (a new (account, token) is
   appended at the end of the tree), and the tree nodes on their paths to the root rehashed;
   only what changed is written (versioned rows of oracle_leaf_versions, oracle_tree_chunks).
5. the data file, streamed into zstd, hashed as written: the moved tracks and the changed and
   appended leaves.

The result is exactly what oracle.settlement.reference computes from the whole history.
"""

from __future__ import annotations

import itertools
import logging
import os
import sqlite3
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import aliased

from chain_client.constants import NUM_CLASSES
from oracle.epoch.amounts import advance_amount
from oracle.epoch.errors import EpochError, InvalidUsageClass, UnknownPlatform
from oracle.epoch.tables import (
    carried_debits,
    epoch_debits,
    epoch_totals,
    epoch_unpaid,
    epochs,
    settled_totals,
)
from oracle.epoch.totals import CardKey, HeldBack, PlatformState
from oracle.settlement.data_file import SUFFIX, DataFileWriter, leaf_line
from oracle.settlement.driver import grouped, newest, stream_rows
from oracle.settlement.flatten import path_credit
from oracle.settlement.records import EpochFacts
from oracle.settlement.splits import RootReader, fix_track_paths, unfix_epoch_paths
from oracle.settlement.tables import (
    SETTLEMENT_EPOCH_TABLES,
    epoch_cuts,
    epoch_track_amounts,
    leaf_positions,
    leaf_versions,
    leaves_of_accounts,
    settled_cuts,
    split_recipients,
    track_amounts,
    track_paths,
    tree_chunks,
)
from oracle.settlement.track_spool import TrackSpool, not_moved_in
from oracle.settlement.tree import ZERO, account_leaf_hash, level_sizes, rebuild_paths
from oracle.settlement.tree_store import ChunkWriter, prune_chunks, read_nodes
from oracle.store.records import QuarantineStatus
from oracle.store.schema import platforms as platforms_table
from oracle.store.schema import quarantine, reports, usage

log = logging.getLogger("oracle.settlement.engine")
BATCH = 10_000
LOOKUP = 500
"""Keys per batched lookup of stored leaves and tree nodes."""
WAL_AUTOCHECKPOINT = 1000
"""SQLite's default pages of write-ahead log before a commit checkpoints it."""
STEP_WAL_AUTOCHECKPOINT = 262_144
"""The same for a computation step's commits (step_transaction)."""
RELEASED = QuarantineStatus.RELEASED.value
_RELEASED_ROW = func.coalesce(quarantine.c.status, "") == RELEASED


@dataclass(frozen=True, slots=True)
class PendingReport:
    version_id: int
    platform_id: int
    report_id: str


@dataclass(frozen=True, slots=True)
class EngineResult:
    epoch: int
    root: str
    data_path: Path
    data_hash: str
    data_size: int
    leaf_count: int
    changed_leaves: int
    changed_totals: int
    touched_tracks: int
    debits: tuple[tuple[int, int], ...]
    held_back: tuple[HeldBack, ...]
    below_settled: tuple[tuple[CardKey, int, int], ...]
    platforms: Mapping[int, PlatformState]
    included_reports: tuple[PendingReport, ...]
    timings: Mapping[str, float] = field(default_factory=dict)
    """Wall seconds per step (for the scale bench and the logs)."""


@dataclass(frozen=True, slots=True)
class EpochRequest:
    epoch: int
    config_version: int
    cut_seq: int
    block_number: int
    chain_id: int
    settlement: str
    published_cut_seq: int | None = None
    """oracle.nodes: the leader's cutSequence, stated in the data file when this store reads
    the same cut at its own intake_seq `cut_seq` (None: `cut_seq`)."""

    @property
    def stated_cut_seq(self) -> int:
        return self.cut_seq if self.published_cut_seq is None else self.published_cut_seq


PlatformReader = Callable[[int], PlatformState]

# ---- state of the previous epoch ---------------------------------------------------------


def last_confirmed(conn: Connection) -> tuple[int, str]:
    """(epoch, dataHash) of the latest confirmed epoch; (0, zero hash) before the first."""
    row = conn.execute(
        select(epochs.c.epoch, epochs.c.data_hash)
        .where(epochs.c.status == "confirmed")
        .order_by(epochs.c.epoch.desc())
        .limit(1)
    ).first()
    if row is None:
        return 0, "0x" + "00" * 32
    return int(row[0]), str(row[1])


def settled_cut_of(conn: Connection) -> dict[int, int]:
    rows = conn.execute(select(settled_cuts.c.platform_id, settled_cuts.c.cut_seq))
    return {int(p): int(c) for p, c in rows}


DEAD_STATUSES = ("revoked", "abandoned")
"""Epochs whose root is never claimed against (the next epoch is computed from the one before)."""


def drop_dead_trees(conn: Connection, base: int, epoch: int) -> None:
    """Deletes the leaves, leaf positions and tree chunks of the revoked or abandoned epochs
    between `base` (the confirmed epoch epoch `epoch` starts from) and `epoch`: that tree is
    never claimed against, and `epoch` places its leaves from `base` again."""
    dead = select(epochs.c.epoch).where(
        epochs.c.epoch > base, epochs.c.epoch < epoch, epochs.c.status.in_(DEAD_STATUSES)
    )
    for table in (leaf_versions, leaf_positions, tree_chunks):
        conn.execute(delete(table).where(table.c.epoch.in_(dead)))


def clear_epoch(conn: Connection, epoch: int) -> None:
    """Deletes the computed rows of an epoch number that is being (re)computed."""
    status = conn.execute(select(epochs.c.status).where(epochs.c.epoch == epoch)).scalar()
    if status in ("tx_signed", "sent", "posted", "confirmed"):
        raise EpochError(f"epoch {epoch} is already {status} in this store; it is not recomputed")
    for table in (*SETTLEMENT_EPOCH_TABLES, epoch_totals):
        conn.execute(delete(table).where(table.c.epoch == epoch))
    unfix_epoch_paths(conn, epoch)


# ---- usage deltas ------------------------------------------------------------------------


def _effective_at(version: Any, cut: Any) -> Any:
    """No later version of the same report accepted with intake_seq <= cut."""
    later = aliased(reports)
    return ~exists().where(
        later.c.platform_id == version.c.platform_id,
        later.c.report_id == version.c.report_id,
        later.c.intake_seq > version.c.intake_seq,
        later.c.intake_seq <= cut,
    )


def rate_from_column(cards: Sequence[tuple[int, Sequence[int]]]) -> Callable[[Any], Any]:
    """For a report version id column: the effectiveFrom of the rate card pricing its usage.

    Pricing rule: a report version's usage is priced by the platform's rate card in force at
    the start of its period (the last card with effectiveFrom <= period_start, the chain's
    `ratesAt(platformId, period_start)`); a period that straddles a change is priced whole by
    the card in force when it began, so a card never prices usage from before its
    effectiveFrom. A platform with one card needs no lookup."""
    if len(cards) <= 1:
        first = literal(cards[0][0] if cards else 0, BigInteger)
        return lambda _version_id: first

    def column(version_id: Any) -> Any:
        version = aliased(reports)
        start = func.coalesce(version.c.period_start, 0)
        chosen = case(
            *[(start >= frm, literal(frm, BigInteger)) for frm, _r in reversed(cards[1:])],
            else_=literal(cards[0][0], BigInteger),
        )
        return select(chosen).where(version.c.id == version_id).scalar_subquery()

    return column


def delta_query(
    platform_id: int,
    since: int,
    cut: int,
    rate_from: Callable[[Any], Any] | None = None,
) -> Any:
    """Payable micro-units per (track, class, rate card) that platform's store totals moved by
    between cut `since` and `cut`, joined with the settled totals (sorted by track, class,
    card)."""
    if rate_from is None:
        rate_from = rate_from_column(())
    # `x + 0` / coalesce(x, '') keep the planner on the intake_seq and decision_seq ranges
    # (what changed) instead of scanning a platform's or a status's whole history.
    entering_r = aliased(reports)
    entering = select(entering_r.c.id).where(
        entering_r.c.platform_id + 0 == platform_id,
        entering_r.c.intake_seq > since,
        entering_r.c.intake_seq <= cut,
        _effective_at(entering_r, cut),
    )
    changed_ids = select(reports.c.report_id).where(
        reports.c.platform_id + 0 == platform_id,
        reports.c.intake_seq > since,
        reports.c.intake_seq <= cut,
    )
    leaving_r = aliased(reports)
    leaving = select(leaving_r.c.id).where(
        leaving_r.c.platform_id == platform_id,
        leaving_r.c.report_id.in_(changed_ids),
        leaving_r.c.intake_seq <= since,
        _effective_at(leaving_r, since),
    )
    staying_r = aliased(reports)
    parts = [
        select(
            usage.c.track_id,
            usage.c.usage_class,
            rate_from(usage.c.report_version_id).label("rate_from"),
            usage.c.micro_units.label("units"),
        ).where(usage.c.report_version_id.in_(entering)),
        select(
            quarantine.c.track_id,
            quarantine.c.usage_class,
            rate_from(quarantine.c.report_version_id).label("rate_from"),
            quarantine.c.micro_units.label("units"),
        ).where(
            quarantine.c.report_version_id.in_(entering),
            _RELEASED_ROW,
            quarantine.c.decision_seq <= cut,
        ),
        select(
            usage.c.track_id,
            usage.c.usage_class,
            rate_from(usage.c.report_version_id).label("rate_from"),
            (-usage.c.micro_units).label("units"),
        ).where(usage.c.report_version_id.in_(leaving)),
        select(
            quarantine.c.track_id,
            quarantine.c.usage_class,
            rate_from(quarantine.c.report_version_id).label("rate_from"),
            (-quarantine.c.micro_units).label("units"),
        ).where(
            quarantine.c.report_version_id.in_(leaving),
            _RELEASED_ROW,
            quarantine.c.decision_seq <= since,
        ),
        select(
            quarantine.c.track_id,
            quarantine.c.usage_class,
            rate_from(quarantine.c.report_version_id).label("rate_from"),
            quarantine.c.micro_units.label("units"),
        )
        .join(staying_r, staying_r.c.id == quarantine.c.report_version_id)
        .where(
            _RELEASED_ROW,
            quarantine.c.decision_seq > since,
            quarantine.c.decision_seq <= cut,
            staying_r.c.platform_id == platform_id,
            staying_r.c.intake_seq <= since,
            _effective_at(staying_r, cut),
        ),
    ]
    moved = union_all(*parts).subquery("moved")
    summed = (
        select(
            moved.c.track_id,
            moved.c.usage_class,
            moved.c.rate_from,
            func.sum(moved.c.units).label("delta"),
        )
        .group_by(moved.c.track_id, moved.c.usage_class, moved.c.rate_from)
        .subquery("summed")
    )
    return (
        select(
            summed.c.track_id,
            summed.c.usage_class,
            summed.c.rate_from,
            summed.c.delta,
            settled_totals.c.micro_units,
            settled_totals.c.amount,
            settled_totals.c.store_units,
        )
        .select_from(
            summed.outerjoin(
                settled_totals,
                and_(
                    settled_totals.c.track_id == summed.c.track_id,
                    settled_totals.c.platform_id == platform_id,
                    settled_totals.c.usage_class == summed.c.usage_class,
                    settled_totals.c.rate_from == summed.c.rate_from,
                ),
            )
        )
        .order_by(summed.c.track_id, summed.c.usage_class, summed.c.rate_from)
    )


def platforms_moved(conn: Connection, cuts: Mapping[int, int], cut: int) -> list[int]:
    """Catalog platforms whose settled cut is below `cut` (their delta query may find rows)."""
    ids = {int(p) for (p,) in conn.execute(select(platforms_table.c.platform_id))}
    return sorted(p for p in ids | set(cuts) if cuts.get(p, 0) < cut)


def pending_reports(conn: Connection, cut: int, held: set[int]) -> list[PendingReport]:
    """Versions in force at the cut that no confirmed epoch settled, of platforms not held."""
    query = (
        select(reports.c.id, reports.c.platform_id, reports.c.report_id)
        .where(
            reports.c.settled_epoch.is_(None),
            reports.c.intake_seq.is_not(None),
            reports.c.intake_seq <= cut,
            _effective_at(reports, cut),
        )
        .order_by(reports.c.id)
    )
    return [
        PendingReport(int(i), int(p), str(r))
        for i, p, r in conn.execute(query)
        if int(p) not in held
    ]


# ---- the computation ---------------------------------------------------------------------


class _Inserter:
    """Batched inserts of positional rows into one table on one connection (driver executemany:
    the hot loops skip building a parameter dict per row)."""

    def __init__(self, conn: Connection, table: Any, columns: Sequence[str]) -> None:
        self.conn = conn
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        self.sql = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join([mark] * len(columns))})"
        )
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.conn.exec_driver_sql(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


@contextmanager
def step_transaction(engine: Engine) -> Iterator[Connection]:
    """engine.begin() for a computation step's rows; on SQLite its commit is not fsynced.

    A step's rows are worth nothing until the epoch row is saved, and that later commit
    (synchronous=FULL) fsyncs the write-ahead log holding every earlier commit. A power loss
    in between can only lose a suffix of the step commits, and a recomputation of the epoch
    deletes whatever it finds of them first (clear_epoch). A killed process loses nothing.

    Its commit checkpoints the write-ahead log only once the log holds STEP_WAL_AUTOCHECKPOINT
    pages (1 GiB), not SQLite's default 1,000: most epochs' steps then write their pages
    back once, at the epoch row's commit, instead of each step's commit copying the pages it
    touched, many of them again (the indexes' hot pages). Not never: every read of a page
    searches the log's index, whose cost grows with the log. A first epoch of a 1M catalog
    grew a log of over 6 GB with no checkpoint, and an index lookup then took 110 us against
    24 us after a checkpoint.
    """
    with engine.connect() as conn:
        relaxed = conn.dialect.name == "sqlite"
        if relaxed:
            conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={STEP_WAL_AUTOCHECKPOINT}")
            conn.commit()
        try:
            with conn.begin():
                yield conn
        finally:
            if relaxed:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA synchronous=FULL")
                conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT}")
                conn.commit()


def _advance_totals(
    engine: Engine,
    request: EpochRequest,
    moved: Sequence[int],
    cuts: Mapping[int, int],
    platform_at: PlatformReader,
) -> tuple[
    dict[int, PlatformState],
    dict[int, int],
    list[tuple[CardKey, int, int]],
    int,
    set[int],
    dict[int, str],
]:
    """Step 1: oracle_epoch_totals rows of every platform; (platforms, debits, below, rows,
    platforms deferred because a report's period starts after the pinned block or held back
    because their stored usage cannot be settled, the reasons of the latter).

    A total is kept per (track, platform, class, rate card); each card's units are priced by
    that card's rates (see rate_from_column for which card prices a report's usage)."""
    platforms: dict[int, PlatformState] = {}
    debit_of: dict[int, int] = {}
    below: list[tuple[CardKey, int, int]] = []
    written = 0
    deferred: set[int] = set()
    faults: dict[int, str] = {}
    with engine.connect() as reader, step_transaction(engine) as conn:
        out = _Inserter(
            conn,
            epoch_totals,
            (
                "epoch",
                "track_id",
                "platform_id",
                "usage_class",
                "rate_from",
                "micro_units",
                "amount",
                "store_units",
            ),
        )
        for platform_id in moved:
            try:
                known: PlatformState | None = platform_at(platform_id)
            except UnknownPlatform:
                known = None  # raised below if the platform has usage to settle
            try:
                written += _platform_totals(
                    reader, out, request, platform_id, known, cuts, platforms, debit_of, below,
                    deferred,
                )  # fmt: skip
            except (EpochError, DBAPIError, sqlite3.Error) as exc:
                if known is None or isinstance(exc, UnknownPlatform):
                    raise  # no chain state to hold it back with: a configuration fault
                if not isinstance(exc, EpochError) and not _is_value_fault(exc):
                    raise
                # One platform's bad rows never stop settlement for the others: it is held back
                # whole, its totals stay settled and its rows of this epoch are dropped (by
                # _hold_back, with every held platform's), with the reason logged and returned.
                reader.rollback()
                out.rows = []
                reason = f"platform {platform_id} held back: its usage cannot be settled ({exc})"
                log.error(reason)
                faults[platform_id] = reason[:500]
                debit_of.pop(platform_id, None)
                below[:] = [b for b in below if b[0][1] != platform_id]
                platforms[platform_id] = known
                deferred.add(platform_id)
    return platforms, debit_of, below, written, deferred, faults


def _is_value_fault(exc: DBAPIError | sqlite3.Error) -> bool:
    """A database error caused by the rows' values (a sum or a number out of range), not by
    the database itself: SQLite's "integer overflow" (raised by the driver cursor that
    stream_rows reads directly, or through SQLAlchemy), PostgreSQL's SQLSTATE class 22."""
    origin = exc.orig if isinstance(exc, DBAPIError) else exc
    sqlstate = str(getattr(origin, "sqlstate", "") or "")
    text = str(origin).lower()
    return sqlstate.startswith("22") or "overflow" in text or "out of range" in text


def _platform_totals(
    reader: Connection,
    out: _Inserter,
    request: EpochRequest,
    platform_id: int,
    known: PlatformState | None,
    cuts: Mapping[int, int],
    platforms: dict[int, PlatformState],
    debit_of: dict[int, int],
    below: list[tuple[CardKey, int, int]],
    deferred: set[int],
) -> int:
    """One platform's step-1 rows (see _advance_totals); returns how many were written."""
    written = 0
    epoch = request.epoch
    if known is not None and _starts_after(
        reader, platform_id, cuts.get(platform_id, 0), request.cut_seq, known.block_time
    ):
        # A report whose period starts after the pinned block could still be priced
        # by a card applied later: the platform waits (held back whole) until the
        # chain's time passes it, so a report's card never changes once settled.
        platforms[platform_id] = known
        deferred.add(platform_id)
        return 0
    rows = stream_rows(
        reader,
        delta_query(
            platform_id,
            cuts.get(platform_id, 0),
            request.cut_seq,
            rate_from_column(known.rate_cards if known is not None else ()),
        ),
    )
    state: PlatformState | None = None
    debit = 0
    with closing(rows):  # closed before the caller rolls the reader back on a fault
        for track_id, usage_class, rate_from, delta, s_units, s_amount, s_store in rows:
            if not delta:
                continue
            if state is None:
                if known is None:
                    raise UnknownPlatform(platform_id)
                state = platforms[platform_id] = known
            if not 0 <= usage_class < NUM_CLASSES:
                raise InvalidUsageClass(int(usage_class))
            settled_units = int(s_units or 0)
            amount_old = int(s_amount) if s_amount is not None else 0
            store_old = int(s_store) if s_store is not None else settled_units
            store_new = store_old + int(delta)
            if store_new >= 2**63:
                raise EpochError(
                    f"track {track_id} class {usage_class}: its cumulative micro-units {store_new} "
                    "do not fit 64 bits (the store holds usage over the intake caps)"
                )
            if store_new < 0:
                raise EpochError(
                    f"track {track_id} platform {platform_id} class {usage_class}: the "
                    f"store's units would fall to {store_new}; the store is inconsistent"
                )
            if store_new <= settled_units:
                micro, amount = settled_units, amount_old
                if store_new < settled_units:
                    key = (int(track_id), platform_id, int(usage_class), int(rate_from))
                    below.append((key, micro, store_new))
            else:
                micro = store_new
                rates = state.rates_from(int(rate_from))
                amount = advance_amount(settled_units, amount_old, store_new, rates[usage_class])
            debit += amount - amount_old
            out.add(
                (
                    epoch,
                    int(track_id),
                    platform_id,
                    int(usage_class),
                    int(rate_from),
                    micro,
                    str(amount),
                    None if store_new == micro else store_new,
                )
            )
            written += 1
    out.flush()
    if state is not None:
        debit_of[platform_id] = debit
    return written


def _starts_after(reader: Connection, platform_id: int, since: int, cut: int, time: int) -> bool:
    """Whether a version of the platform entering in (since, cut] has a period starting after
    `time` (the pinned block's timestamp; 0 = not checked)."""
    if not time:
        return False
    latest = reader.execute(
        select(func.max(reports.c.period_start)).where(
            reports.c.platform_id == platform_id,
            reports.c.intake_seq > since,
            reports.c.intake_seq <= cut,
        )
    ).scalar()
    return latest is not None and int(latest) > time


def _hold_back(
    engine: Engine,
    request: EpochRequest,
    platforms: Mapping[int, PlatformState],
    debit_of: Mapping[int, int],
    known: Iterable[int],
    deferred: Iterable[int] = (),
) -> tuple[tuple[HeldBack, ...], tuple[tuple[int, int], ...]]:
    """Platforms held back whole: a debit above the escrow, or deferred (see _advance_totals;
    listed with the debit it carries, usually 0)."""
    waiting = set(deferred)
    held = tuple(
        HeldBack(pid, debit_of.get(pid, 0), platforms[pid].escrow)
        for pid in sorted(set(debit_of) | waiting)
        if pid in waiting or debit_of[pid] > platforms[pid].escrow
    )
    held_ids = {h.platform_id for h in held}
    debits = tuple(
        (pid, debit) for pid, debit in sorted(debit_of.items()) if pid not in held_ids and debit > 0
    )
    with step_transaction(engine) as conn:
        for pid in sorted(held_ids):
            conn.execute(
                delete(epoch_totals).where(
                    epoch_totals.c.epoch == request.epoch, epoch_totals.c.platform_id == pid
                )
            )
        cut_rows = [
            {"epoch": request.epoch, "platform_id": pid, "cut_seq": request.cut_seq}
            for pid in sorted(set(known) | set(platforms))
            if pid not in held_ids
        ]
        if cut_rows:
            conn.execute(insert(epoch_cuts), cut_rows)
    return held, debits


def _track_amounts(engine: Engine, request: EpochRequest, token_of: Mapping[int, str]) -> int:
    """Step 2: the new amount of every (track, token) whose totals moved."""
    epoch = request.epoch
    moved_tracks = select(epoch_totals.c.track_id).where(epoch_totals.c.epoch == epoch)
    with engine.connect() as reader, step_transaction(engine) as writer:
        changes = stream_rows(
            reader,
            select(
                epoch_totals.c.track_id,
                epoch_totals.c.platform_id,
                epoch_totals.c.amount,
                settled_totals.c.amount,
            )
            .select_from(
                epoch_totals.outerjoin(
                    settled_totals,
                    and_(
                        settled_totals.c.track_id == epoch_totals.c.track_id,
                        settled_totals.c.platform_id == epoch_totals.c.platform_id,
                        settled_totals.c.usage_class == epoch_totals.c.usage_class,
                        settled_totals.c.rate_from == epoch_totals.c.rate_from,
                    ),
                )
            )
            .where(epoch_totals.c.epoch == epoch)
            .order_by(epoch_totals.c.track_id),
        )
        old_rows = engine.connect()
        try:
            previous = iter(
                stream_rows(
                    old_rows,
                    select(track_amounts.c.track_id, track_amounts.c.token, track_amounts.c.amount)
                    .where(track_amounts.c.track_id.in_(moved_tracks))
                    .order_by(track_amounts.c.track_id),
                )
            )
            pending = next(previous, None)
            out = _Inserter(writer, epoch_track_amounts, ("epoch", "track_id", "token", "amount"))
            for track_id, group in grouped(changes, lambda r: int(r[0])):
                old: dict[str, int] = {}
                while pending is not None and int(pending[0]) < track_id:
                    pending = next(previous, None)
                while pending is not None and int(pending[0]) == track_id:
                    old[str(pending[1])] = int(pending[2])
                    pending = next(previous, None)
                diff: dict[str, int] = {}
                for _t, platform_id, new_amount, old_amount in group:
                    token = token_of[int(platform_id)]
                    moved = int(new_amount) - (int(old_amount) if old_amount is not None else 0)
                    diff[token] = diff.get(token, 0) + moved
                for token in sorted(diff):
                    out.add((epoch, track_id, token, str(old.get(token, 0) + diff[token])))
            out.flush()
        finally:
            old_rows.close()
    return out.count


BULK_PATHS_MIN_TRACKS = 100_000
"""A step 3 over at least this many moved tracks, into a table of fewer path rows than that,
defers the account index of oracle_track_paths (PATHS_ACCOUNT_INDEX)."""


PATHS_ACCOUNT_INDEX = next(
    i for i in track_paths.indexes if i.name == "ix_oracle_track_paths_account"
)
"""The account index of oracle_track_paths (an account's sources), as its table declares it."""


def restore_paths_account_index(conn: Connection) -> None:
    """Creates the account index of oracle_track_paths if a deferred step 3 left it dropped
    (a crash between the drop and the rebuild); a no-op otherwise."""
    PATHS_ACCOUNT_INDEX.create(conn, checkfirst=True)


def _defers_account_index(conn: Connection, touched: int) -> bool:
    """Whether step 3 should drop the account index and build it again after its inserts.

    The index entries of new paths land at random places: when the table holds fewer path
    rows than the epoch moved tracks (a first epoch, a catalog arriving whole), building the
    index afresh, sorted, once, costs far less than millions of random inserts that each
    dirty a page (the 2.7M paths of 900k tracks of a 1M catalog: 78 s of inserts with the
    index live, 46 s without it, before building it). The count reads at most `touched`
    rows. While the index is dropped, an account's sources are still answered, by a scan."""
    if touched < BULK_PATHS_MIN_TRACKS:
        return False
    held = conn.execute(
        select(func.count()).select_from(
            select(literal(1)).select_from(track_paths).limit(touched).subquery()
        )
    ).scalar_one()
    return int(held) < touched


def _fix_paths(engine: Engine, request: EpochRequest, reader: RootReader, touched: int) -> None:
    """Step 3: flattenings of tracks settled for the first time."""
    with engine.begin() as conn:
        deferred = _defers_account_index(conn, touched)
        if deferred:
            PATHS_ACCOUNT_INDEX.drop(conn, checkfirst=True)
        else:
            restore_paths_account_index(conn)  # after a crash mid-way through a deferred step 3
    _fix_new_paths(engine, request, reader)
    if deferred:
        with engine.begin() as conn:
            restore_paths_account_index(conn)


def _fix_new_paths(engine: Engine, request: EpochRequest, reader: RootReader) -> None:
    last = -1
    while True:
        with step_transaction(engine) as conn:
            chunk = [
                int(t)
                for (t,) in conn.execute(
                    select(epoch_track_amounts.c.track_id)
                    .distinct()
                    .where(
                        epoch_track_amounts.c.epoch == request.epoch,
                        epoch_track_amounts.c.track_id > last,
                        ~exists().where(track_paths.c.track_id == epoch_track_amounts.c.track_id),
                    )
                    .order_by(epoch_track_amounts.c.track_id)
                    .limit(5_000)
                )
            ]
            if not chunk:
                return
            fix_track_paths(conn, chunk, request.epoch, reader, request.block_number)
            last = chunk[-1]


def byte_order(conn: Connection, column: Any) -> Any:
    """`column` sorted by its bytes (the tree's order): SQLite's default, "C" on PostgreSQL."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def _account_deltas(conn: Connection, epoch: int) -> Iterator[tuple[str, str, int]]:
    """(account, token, new minus old credits) of every account a moved track pays, sorted.

    A path's credits are not stored: the new one is path_credit(the epoch's track amount,
    product, depth), the old one path_credit(settled track amount, product, depth), what the
    confirmed epoch that last moved the (track, token) credited (the track's paths are fixed at
    its first settlement, oracle_track_paths)."""
    rows = stream_rows(
        conn,
        select(
            track_paths.c.account,
            epoch_track_amounts.c.token,
            epoch_track_amounts.c.amount,
            track_amounts.c.amount,
            track_paths.c.product,
            track_paths.c.depth,
        )
        .select_from(
            epoch_track_amounts.join(
                track_paths, track_paths.c.track_id == epoch_track_amounts.c.track_id
            ).outerjoin(
                track_amounts,
                and_(
                    track_amounts.c.track_id == epoch_track_amounts.c.track_id,
                    track_amounts.c.token == epoch_track_amounts.c.token,
                ),
            )
        )
        .where(epoch_track_amounts.c.epoch == epoch)
        .order_by(
            byte_order(conn, track_paths.c.account), byte_order(conn, epoch_track_amounts.c.token)
        ),
    )
    for (account, token), group in itertools.groupby(rows, key=lambda r: (r[0], r[1])):
        total = 0
        for _a, _t, new, old, product, depth in group:
            total += path_credit(int(new), int(product), int(depth))
            if old is not None:
                total -= path_credit(int(old), int(product), int(depth))
        yield str(account), str(token), total


def leaf_total(conn: Connection, epoch: int) -> int:
    """How many leaves the tree of `epoch` has (positions 0 .. n-1)."""
    # `epoch + 0` keeps the planner on the primary key walked backwards from the last position
    # (it stops at the first version <= epoch) instead of the epoch index (every version).
    last = conn.execute(
        select(leaf_versions.c.position)
        .where(leaf_versions.c.epoch + 0 <= epoch)
        .order_by(leaf_versions.c.position.desc())
        .limit(1)
    ).scalar()
    return 0 if last is None else int(last) + 1


def current_leaves(
    conn: Connection, keys: Sequence[tuple[str, str]], epoch: int
) -> dict[tuple[str, str], tuple[int, int]]:
    """(position, amount) of each (account, token) of `keys` that has a leaf at `epoch`."""
    found: dict[tuple[str, str], tuple[int, int]] = {}
    wanted = set(keys)
    accounts = sorted({account for account, _token in keys})
    for start in range(0, len(accounts), LOOKUP):
        rows = stream_rows(
            conn,
            select(
                leaf_positions.c.account,
                leaf_positions.c.token,
                leaf_versions.c.epoch,
                leaf_versions.c.position,
                leaf_versions.c.amount,
            )
            .select_from(leaves_of_accounts)
            .where(
                leaf_positions.c.account.in_(accounts[start : start + LOOKUP]),
                leaf_versions.c.epoch <= epoch,
            ),
        )
        keyed = ((f"{a}{t}", e, a, t, p, m) for a, t, e, p, m in rows)
        for _k, _e, account, token, position, amount in newest(keyed).values():
            key = (str(account), str(token))
            if key in wanted:
                found[key] = (int(position), int(amount))
    return found


def stored_root(conn: Connection, epoch: int, leaf_count: int) -> bytes:
    """The root of the stored tree of `epoch` with `leaf_count` leaves (ZERO when empty)."""
    if leaf_count == 0:
        return ZERO
    top = len(level_sizes(leaf_count)) - 1
    node = read_nodes(conn, epoch, top, [0]).get(0)
    if node is None:
        raise EpochError(f"epoch {epoch}'s tree is incomplete in this store")
    return node


def leaf_spool_path(data_path: Path) -> Path:
    """Where step 4 spools the data file's leaf lines for step 5."""
    return data_path.with_name(data_path.name + ".leaves")


def track_spool_path(data_path: Path) -> Path:
    """Where the data file's track lines are spooled (oracle.settlement.track_spool)."""
    return data_path.with_name(data_path.name + ".tracks")


class _MovedLeaves:
    """The changed (not appended) leaves of step 4, which arrive in account order and are
    needed in position order: their data-file lines go to a spool file as they come, and only
    their positions, hashes and line offsets stay in memory (arrays, about 50 bytes a leaf
    against some 400 for a tuple of Python objects per leaf; a 10M catalog's epoch can move
    millions)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.spool = open(path, "w+b")  # closed by write_sorted
        self.positions = array("q")
        self.offsets = array("q")
        self.hashes = bytearray()
        self.size = 0

    def add(self, position: int, leaf: bytes, line: bytes) -> None:
        self.positions.append(position)
        self.offsets.append(self.size)
        self.hashes += leaf
        self.spool.write(line)
        self.size += len(line)

    def write_sorted(self, out: Any) -> tuple[array[int], bytearray]:
        """Writes the lines to `out` in position order; (positions, hashes) in that order."""
        self.offsets.append(self.size)
        order = sorted(range(len(self.positions)), key=self.positions.__getitem__)
        positions = array("q", (self.positions[i] for i in order))
        hashes = bytearray()
        self.spool.flush()
        fd = self.spool.fileno()
        for start in range(0, len(order), BATCH):
            lines = []
            for i in order[start : start + BATCH]:
                offset = self.offsets[i]
                lines.append(os.pread(fd, self.offsets[i + 1] - offset, offset))
                hashes += self.hashes[32 * i : 32 * i + 32]
            out.write(b"".join(lines))
        self.spool.close()
        self.path.unlink()
        return positions, hashes


def _leaves(
    engine: Engine, request: EpochRequest, base: int, spool_path: Path
) -> tuple[bytes, int, int]:
    """Step 4: the leaves this epoch changes or appends, and the tree nodes above them; (root,
    leaf count, changed leaves). The data file's leaf lines (changed and appended leaves, in
    position order) are spooled to `spool_path` on the way (step 5 appends them).

    Work and writes grow with the changed accounts: each changed (account, token) is looked up
    by its index, a new one is appended at the end, and only their paths to the root are
    rehashed (oracle.settlement.tree.rebuild_paths), with clean siblings read in batches."""
    epoch = request.epoch
    spool_path.parent.mkdir(parents=True, exist_ok=True)
    appended_spool = spool_path.with_name(spool_path.name + ".new")
    with (
        engine.connect() as lookup,
        engine.connect() as delta_conn,
        step_transaction(engine) as writer,
    ):
        before = leaf_total(lookup, base)
        leaves = _Inserter(
            writer,
            leaf_versions,
            ("position", "epoch", "account", "token", "amount", "since_epoch", "hash"),
        )
        placed = _Inserter(writer, leaf_positions, ("account", "token", "position", "epoch"))
        moved = _MovedLeaves(spool_path.with_name(spool_path.name + ".moved"))
        new_positions = array("q")
        new_hashes = bytearray()
        lines: list[bytes] = []
        deltas = _account_deltas(delta_conn, epoch)
        with open(appended_spool, "wb") as spool:
            while taken := list(itertools.islice(deltas, LOOKUP)):
                chunk = [d for d in taken if d[2] != 0]
                found = current_leaves(lookup, [(a, t) for a, t, _c in chunk], base)
                for account, token, change in chunk:
                    old = found.get((account, token))
                    if old is None:
                        position, amount = before + len(new_positions), change
                    else:
                        position, amount = old[0], old[1] + change
                    if amount <= 0:
                        raise EpochError(
                            f"account {account} token {token} would fall to {amount} (a leaf "
                            "never leaves the tree); the store is inconsistent"
                        )
                    leaf = account_leaf_hash(account, token, amount)
                    text = str(amount)
                    leaves.add((position, epoch, account, token, text, epoch, leaf))
                    line = leaf_line(position, account, token, text, epoch)
                    if old is None:
                        placed.add((account, token, position, epoch))
                        new_positions.append(position)
                        new_hashes += leaf
                        lines.append(line)
                    else:
                        moved.add(position, leaf, line)
                if len(lines) >= BATCH:
                    spool.write(b"".join(lines))
                    lines.clear()
            spool.write(b"".join(lines))
        leaves.flush()
        placed.flush()
        total = before + len(new_positions)
        with open(spool_path, "wb") as out:
            positions, hashes = moved.write_sorted(out)
            with open(appended_spool, "rb") as spooled:
                while block := spooled.read(1 << 20):
                    out.write(block)
        appended_spool.unlink()
        positions.extend(new_positions)
        hashes += new_hashes
        changed = len(positions)
        del moved, new_positions, new_hashes
        chunk_rows = _Inserter(writer, tree_chunks, ("level", "chunk", "epoch", "hashes"))
        chunks = ChunkWriter(lookup, base, epoch, chunk_rows.add)
        root = rebuild_paths(total, positions, hashes, chunks.siblings, chunks.nodes)
        chunk_rows.flush()
        if root is None:
            root = stored_root(lookup, base, total)
    return root, total, changed


def _below_settled(
    conn: Connection, epoch: int, found: Sequence[tuple[CardKey, int, int]], held: set[int]
) -> tuple[tuple[CardKey, int, int], ...]:
    """Every key whose store units are below its settled units after this epoch: the ones this
    epoch found, and the settled ones still below that this epoch did not move."""
    rows = conn.execute(
        select(
            settled_totals.c.track_id,
            settled_totals.c.platform_id,
            settled_totals.c.usage_class,
            settled_totals.c.rate_from,
            settled_totals.c.micro_units,
            settled_totals.c.store_units,
        ).where(
            settled_totals.c.store_units.is_not(None),
            not_moved_in(epoch),
        )
    )
    merged = [item for item in found if item[0][1] not in held]
    for t, p, c, r, micro, store in rows:
        if int(store) < int(micro):
            merged.append(((int(t), int(p), int(c), int(r)), int(micro), int(store)))
    return tuple(sorted(merged))


def _unchanged(
    request: EpochRequest,
    work_dir: Path,
    *,
    leaf_count: int = 0,
    changed_totals: int = 0,
    touched_tracks: int = 0,
    debits: tuple[tuple[int, int], ...] = (),
    held_back: tuple[HeldBack, ...] = (),
    platforms: Mapping[int, PlatformState] | None = None,
    timings: Mapping[str, float] | None = None,
) -> EngineResult:
    """The result of an epoch that changes no leaf (nothing is kept, nothing to post)."""
    return EngineResult(
        epoch=request.epoch,
        root="",
        data_path=work_dir,
        data_hash="",
        data_size=0,
        leaf_count=leaf_count,
        changed_leaves=0,
        changed_totals=changed_totals,
        touched_tracks=touched_tracks,
        debits=debits,
        held_back=held_back,
        below_settled=(),
        platforms=platforms or {},
        included_reports=(),
        timings=timings or {},
    )


def compute(
    engine: Engine,
    request: EpochRequest,
    platform_at: PlatformReader,
    reader: RootReader,
    work_dir: Path,
) -> EngineResult:
    """Computes epoch `request.epoch` into the store's epoch tables and a data file in
    `work_dir`. When no leaf changes nothing is kept and the result has changed_leaves 0."""
    timings: dict[str, float] = {}
    clock = [time.perf_counter(), time.process_time()]

    def step(name: str) -> None:
        # Wall seconds per step, and this process's CPU seconds (`<step>_cpu`: on a shared
        # machine the wall figure includes waiting for a core).
        now, cpu = time.perf_counter(), time.process_time()
        timings[name] = round(now - clock[0], 3)
        timings[f"{name}_cpu"] = round(cpu - clock[1], 3)
        clock[0], clock[1] = now, cpu

    with engine.begin() as conn:
        clear_epoch(conn, request.epoch)
        base, previous_hash = last_confirmed(conn)
        drop_dead_trees(conn, base, request.epoch)
        cuts = settled_cut_of(conn)
        moved = platforms_moved(conn, cuts, request.cut_seq)
        carried = carried_of(conn)
    if not moved and not carried:
        # Nothing accepted since the settled cuts and no debit owed: no leaf can change. The
        # nodes ask every tick, so this answer costs two queries, not a pass over the leaves.
        return _unchanged(request, work_dir, timings={"totals": 0.0})
    platforms, debit_of, below_found, changed_totals, deferred, faults = _advance_totals(
        engine, request, moved, cuts, platform_at
    )
    for pid in sorted(set(cuts) | set(carried)):
        if pid not in platforms:
            platforms[pid] = platform_at(pid)
    # A debit the chain held back is owed on top of the growth (its leaves are already posted).
    for pid, amount in carried.items():
        debit_of[pid] = debit_of.get(pid, 0) + amount
    step("totals")
    held, debits = _hold_back(engine, request, platforms, debit_of, cuts, deferred)
    held = tuple(replace(h, reason=faults.get(h.platform_id, "")) for h in held)
    held_ids = {h.platform_id for h in held}
    carried_now = tuple((p, a) for p, a in sorted(carried.items()) if p not in held_ids)
    token_of = {pid: p.token.lower() for pid, p in platforms.items()}
    touched = _track_amounts(engine, request, token_of)
    step("track_amounts")
    _fix_paths(engine, request, reader, touched)
    step("paths")
    path = work_dir / f"epoch-{request.epoch:08d}.{request.cut_seq}{SUFFIX}"
    # Track records need only steps 1-3: a large epoch writes them beside the leaves.
    with TrackSpool(engine, request.epoch, token_of, track_spool_path(path), touched) as spool:
        root, leaf_count, changed_leaves = _leaves(engine, request, base, leaf_spool_path(path))
        step("leaves")
        if changed_leaves == 0 and not carried_now:
            leaf_spool_path(path).unlink(missing_ok=True)
            with engine.begin() as conn:
                clear_epoch(conn, request.epoch)
            return _unchanged(
                request,
                work_dir,
                leaf_count=leaf_count,
                changed_totals=changed_totals,
                touched_tracks=touched,
                debits=debits,
                held_back=held,
                platforms=platforms,
            )
        with engine.connect() as conn:
            below = _below_settled(conn, request.epoch, below_found, held_ids)
            included = tuple(pending_reports(conn, request.cut_seq, held_ids))
        facts = EpochFacts(
            epoch=request.epoch,
            chain_id=request.chain_id,
            settlement=request.settlement,
            config_version=request.config_version,
            cut_seq=request.stated_cut_seq,
            block_number=request.block_number,
            root="0x" + root.hex(),
            leaf_count=leaf_count,
            previous_epoch=base,
            previous_data_hash=previous_hash,
            platforms=platforms,
            debits=debits,
            held_back=held,
            below_settled=below,
            reports=tuple((r.platform_id, r.report_id) for r in included),
            cuts=tuple(
                sorted((pid, request.stated_cut_seq) for pid in platforms if pid not in held_ids)
            ),
            carried=carried_now,
        )
        step("reports")
        data_hash, size = write_file(engine, facts, path, spool.names())
        step("data_file")
        log.info("epoch %s computed: %s", request.epoch, timings)
        return EngineResult(
            epoch=request.epoch,
            root=facts.root,
            data_path=path,
            data_hash=data_hash,
            data_size=size,
            leaf_count=leaf_count,
            changed_leaves=changed_leaves,
            changed_totals=changed_totals,
            touched_tracks=touched,
            debits=debits,
            held_back=held,
            below_settled=below,
            platforms=platforms,
            included_reports=included,
            timings=timings,
        )


# ---- the data file -----------------------------------------------------------------------


def write_file(
    engine: Engine, facts: EpochFacts, path: Path, nested: Sequence[str]
) -> tuple[str, int]:
    """Step 5: streams the data file from its spooled track records (which name the nested
    splits `nested`, sorted) and leaves; returns (dataHash, bytes)."""
    from oracle.settlement.records import header_record, split_record

    with DataFileWriter(path) as writer, engine.connect() as conn:
        writer.record(header_record(facts))
        # Track records go after the split lists they name.
        for start in range(0, len(nested), 2_000):
            chunk = list(nested[start : start + 2_000])
            rows = conn.execute(
                select(
                    split_recipients.c.split, split_recipients.c.recipient, split_recipients.c.share
                )
                .where(split_recipients.c.split.in_(chunk))
                .order_by(split_recipients.c.split, split_recipients.c.position)
            )
            for split, group in grouped(rows, lambda r: str(r[0])):
                writer.record(split_record(split, [(str(r), int(s)) for _x, r, s in group]))
        for spooled in (track_spool_path(path), leaf_spool_path(path)):
            with open(spooled, "rb") as spool:
                while block := spool.read(1 << 20):
                    writer.write(block)
            spooled.unlink()
        data_hash = writer.close()
    return data_hash, writer.size


# ---- confirmation ------------------------------------------------------------------------


def _replace_from(
    conn: Connection, table: Any, key: Sequence[str], values: Sequence[str], rows: Any
) -> None:
    """Inserts `rows` (columns `key` + `values`) into `table`, updating the `values` of a row of
    the same primary key in place (INSERT ... ON CONFLICT DO UPDATE on both dialects). On
    SQLite this keeps the row's rowid, so only its data page is rewritten: INSERT OR REPLACE
    deleted it and appended a new one, rewriting its primary-key index page too."""
    columns = [*key, *values]
    from sqlalchemy.dialects import postgresql, sqlite

    dialect: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).from_select(columns, rows)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={name: statement.excluded[name] for name in values},
        )
    )


def confirm(conn: Connection, epoch: int) -> None:
    """Makes a confirmed epoch's computed rows the settled state; prunes older tree levels.

    Every key the epoch moved replaces its settled row in one indexed pass (an upsert on the
    primary key, ON CONFLICT DO UPDATE)."""
    _replace_from(
        conn,
        settled_totals,
        ("track_id", "platform_id", "usage_class", "rate_from"),
        ("micro_units", "amount", "epoch", "store_units"),
        select(
            epoch_totals.c.track_id,
            epoch_totals.c.platform_id,
            epoch_totals.c.usage_class,
            epoch_totals.c.rate_from,
            epoch_totals.c.micro_units,
            epoch_totals.c.amount,
            epoch_totals.c.epoch,
            epoch_totals.c.store_units,
        ).where(epoch_totals.c.epoch == epoch),
    )
    _replace_from(
        conn,
        track_amounts,
        ("track_id", "token"),
        ("amount", "epoch"),
        select(
            epoch_track_amounts.c.track_id,
            epoch_track_amounts.c.token,
            epoch_track_amounts.c.amount,
            epoch_track_amounts.c.epoch,
        ).where(epoch_track_amounts.c.epoch == epoch),
    )
    conn.execute(
        delete(settled_cuts).where(
            settled_cuts.c.platform_id.in_(
                select(epoch_cuts.c.platform_id).where(epoch_cuts.c.epoch == epoch)
            )
        )
    )
    conn.execute(
        insert(settled_cuts).from_select(
            ["platform_id", "cut_seq", "epoch"],
            select(epoch_cuts.c.platform_id, epoch_cuts.c.cut_seq, epoch_cuts.c.epoch).where(
                epoch_cuts.c.epoch == epoch
            ),
        )
    )
    prune_superseded(conn, epoch)
    _carry_unpaid(conn, epoch)


def prune_superseded(conn: Connection, epoch: int) -> None:
    """Deletes the leaf and node versions that confirmed `epoch` superseded (older versions of
    what it wrote; each lookup is by key, through the epoch index of what it wrote)."""
    written = leaf_versions.alias("written")
    conn.execute(
        delete(leaf_versions).where(
            leaf_versions.c.epoch < epoch,
            leaf_versions.c.position.in_(
                select(written.c.position).where(written.c.epoch == epoch)
            ),
        )
    )
    prune_chunks(conn, epoch)


def carried_of(conn: Connection) -> dict[int, int]:
    """Per platform: what confirmed epochs' leaves hold but the chain has not debited yet."""
    rows = conn.execute(select(carried_debits.c.platform_id, carried_debits.c.amount))
    return {int(p): int(a) for p, a in rows if int(a) > 0}


def _carry_unpaid(conn: Connection, epoch: int) -> None:
    """After confirming `epoch`: a platform whose debit the chain held back carries that whole
    debit (which already included what it carried before) into its next one; a platform whose
    debit was taken carries nothing any more. Others keep their carry."""
    debited = {
        int(p)
        for (p,) in conn.execute(
            select(epoch_debits.c.platform_id).where(epoch_debits.c.epoch == epoch)
        )
    }
    unpaid = {
        int(p): str(a)
        for p, a in conn.execute(
            select(epoch_unpaid.c.platform_id, epoch_unpaid.c.amount).where(
                epoch_unpaid.c.epoch == epoch
            )
        )
    }
    if debited:
        conn.execute(delete(carried_debits).where(carried_debits.c.platform_id.in_(debited)))
    if unpaid:
        conn.execute(
            insert(carried_debits),
            [{"platform_id": p, "amount": a, "epoch": epoch} for p, a in sorted(unpaid.items())],
        )
