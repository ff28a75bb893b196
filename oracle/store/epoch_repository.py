"""Queries of the epoch part: usage at an intake cut, settled totals, epoch state rows.

Every function takes a Connection; the caller owns the transaction, so one step of an epoch is
persisted all at once or not at all.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Connection,
    RowMapping,
    delete,
    func,
    insert,
    select,
    update,
)

from oracle.epoch.tables import (
    epoch_debits,
    epoch_held_back,
    epoch_reports,
    epoch_signatures,
    epoch_unpaid,
    epochs,
    settled_totals,
)
from oracle.epoch.totals import HeldBack, Settled, TotalKey
from oracle.store.report_repository import mark_settled
from oracle.store.schema import quarantine, reports, tracks
from oracle.store.usage_repository import effective_report_version_ids, payable_totals

#: Rows save_epoch owns (the computed rows belong to oracle.settlement.engine).
EPOCH_ROW_TABLES = (epoch_signatures, epoch_debits, epoch_held_back, epoch_unpaid, epoch_reports)
UNFINISHED = ("built", "signed", "tx_signed", "sent", "posted")
#: Epoch numbers the chain has used up: posted and then confirmed or revoked.
CLOSED = ("confirmed", "revoked")


@dataclass(frozen=True, slots=True)
class EpochRecord:
    epoch: int
    status: str
    config_version: int
    cut_seq: int
    block_number: int
    root: str
    data_hash: str
    data_path: str
    leaf_count: int
    tx_hash: str | None = None
    raw_tx: str | None = None
    tx_nonce: int | None = None
    posted_block: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class PendingReport:
    version_id: int
    platform_id: int
    report_id: str


def cumulative_units_at(conn: Connection, cut: int) -> dict[TotalKey, int]:
    """Payable micro-units per (track, platform, class) at the cut (intake's definition)."""
    return {key: units for key, units in payable_totals(conn, cut).items() if units > 0}


def pending_reports_at(conn: Connection, cut: int) -> list[PendingReport]:
    """Report versions in force at the cut that no confirmed epoch settled yet."""
    ids = effective_report_version_ids(conn, cut)
    pending: list[PendingReport] = []
    for start in range(0, len(ids), 5_000):
        query = select(reports.c.id, reports.c.platform_id, reports.c.report_id).where(
            reports.c.id.in_(ids[start : start + 5_000]), reports.c.settled_epoch.is_(None)
        )
        pending.extend(PendingReport(int(i), int(p), str(r)) for i, p, r in conn.execute(query))
    return sorted(pending, key=lambda report: report.version_id)


def split_addresses(conn: Connection, track_ids: Iterable[int]) -> dict[int, str]:
    """Split address per track from the catalog (tracks without one are left out)."""
    wanted = sorted(set(track_ids))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), 5_000):
        chunk = wanted[start : start + 5_000]
        query = select(tracks.c.track_id, tracks.c.split_address).where(
            tracks.c.track_id.in_(chunk), tracks.c.split_address.is_not(None)
        )
        found.update({int(t): str(s) for t, s in conn.execute(query)})
    return found


def settled(conn: Connection) -> dict[TotalKey, Settled]:
    rows = conn.execute(
        select(
            settled_totals.c.track_id,
            settled_totals.c.platform_id,
            settled_totals.c.usage_class,
            settled_totals.c.micro_units,
            settled_totals.c.amount,
        )
    )
    # One total per rate card: summed per (track, platform, class).
    out: dict[TotalKey, Settled] = {}
    for t, p, c, u, a in rows:
        key = (int(t), int(p), int(c))
        had = out.get(key, Settled(0, 0))
        out[key] = Settled(had.micro_units + int(u), had.amount + int(a))
    return out


def last_confirmed_epoch(conn: Connection) -> int:
    value = conn.execute(
        select(func.max(epochs.c.epoch)).where(epochs.c.status == "confirmed")
    ).scalar()
    return int(value or 0)


def last_closed_epoch(conn: Connection) -> int:
    """The last epoch number posted and then confirmed or revoked (0 before the first)."""
    value = conn.execute(
        select(func.max(epochs.c.epoch)).where(epochs.c.status.in_(CLOSED))
    ).scalar()
    return int(value or 0)


def _record(row: RowMapping) -> EpochRecord:
    return EpochRecord(**{name: row[name] for name in EpochRecord.__slots__})


def get_epoch(conn: Connection, epoch: int) -> EpochRecord | None:
    row = conn.execute(select(epochs).where(epochs.c.epoch == epoch)).mappings().first()
    return _record(row) if row else None


def unfinished_epoch(conn: Connection) -> EpochRecord | None:
    """The lowest epoch started but not confirmed or abandoned, if any."""
    row = (
        conn.execute(select(epochs).where(epochs.c.status.in_(UNFINISHED)).order_by(epochs.c.epoch))
        .mappings()
        .first()
    )
    return _record(row) if row else None


def recent_epochs(conn: Connection, limit: int) -> list[EpochRecord]:
    rows = conn.execute(select(epochs).order_by(epochs.c.epoch.desc()).limit(limit)).mappings()
    return [_record(row) for row in rows]


def save_epoch(
    conn: Connection,
    record: EpochRecord,
    debits: Sequence[tuple[int, int]],
    held_back: Sequence[HeldBack],
    report_version_ids: Iterable[int],
) -> None:
    """Stores a computed epoch's row, replacing an unconfirmed row of the same number (a rebuild).

    The computed rows (totals, track amounts, credits, leaves, tree levels) were written by
    oracle.settlement.engine.compute under the same epoch number.
    """
    existing = get_epoch(conn, record.epoch)
    if existing is not None and existing.status == "confirmed":
        raise ValueError(f"epoch {record.epoch} is already confirmed in this store")
    for table in (*EPOCH_ROW_TABLES, epochs):
        conn.execute(delete(table).where(table.c.epoch == record.epoch))
    now = int(time.time())
    values = {name: getattr(record, name) for name in EpochRecord.__slots__}
    conn.execute(insert(epochs).values(**values, created_at=now, updated_at=now))
    if debits:
        conn.execute(
            insert(epoch_debits),
            [{"epoch": record.epoch, "platform_id": p, "amount": str(a)} for p, a in debits],
        )
    if held_back:
        conn.execute(
            insert(epoch_held_back),
            [
                {
                    "epoch": record.epoch,
                    "platform_id": h.platform_id,
                    "debit": str(h.debit),
                    "escrow": str(h.escrow),
                }
                for h in held_back
            ],
        )
    version_rows = [{"epoch": record.epoch, "report_version_id": v} for v in report_version_ids]
    for start in range(0, len(version_rows), 10_000):
        conn.execute(insert(epoch_reports), version_rows[start : start + 10_000])


def update_epoch(conn: Connection, epoch: int, **values: object) -> None:
    result = conn.execute(
        update(epochs).where(epochs.c.epoch == epoch).values(**values, updated_at=int(time.time()))
    )
    if result.rowcount != 1:
        raise ValueError(f"epoch {epoch} is not in this store")


def save_signatures(conn: Connection, epoch: int, signatures: Mapping[str, str]) -> None:
    conn.execute(delete(epoch_signatures).where(epoch_signatures.c.epoch == epoch))
    if signatures:
        conn.execute(
            insert(epoch_signatures),
            [{"epoch": epoch, "signer": s, "signature": sig} for s, sig in signatures.items()],
        )


def signatures_of(conn: Connection, epoch: int) -> dict[str, str]:
    rows = conn.execute(
        select(epoch_signatures.c.signer, epoch_signatures.c.signature).where(
            epoch_signatures.c.epoch == epoch
        )
    )
    return {str(s): str(sig) for s, sig in rows}


def debits_of(conn: Connection, epoch: int) -> list[tuple[int, int]]:
    rows = conn.execute(
        select(epoch_debits.c.platform_id, epoch_debits.c.amount)
        .where(epoch_debits.c.epoch == epoch)
        .order_by(epoch_debits.c.platform_id)
    )
    return [(int(p), int(a)) for p, a in rows]


def save_unpaid(conn: Connection, epoch: int, unpaid: Sequence[tuple[int, int, int]]) -> None:
    """Records the (platform, amount, escrow) debits the chain held back from a posted epoch."""
    conn.execute(delete(epoch_unpaid).where(epoch_unpaid.c.epoch == epoch))
    conn.execute(
        insert(epoch_unpaid),
        [
            {"epoch": epoch, "platform_id": p, "amount": str(a), "escrow": str(e)}
            for p, a, e in unpaid
        ],
    )


def unpaid_of(conn: Connection, epoch: int) -> list[tuple[int, int]]:
    """(platform, amount) of the epoch's debits the chain held back (not paid; carried on)."""
    rows = conn.execute(
        select(epoch_unpaid.c.platform_id, epoch_unpaid.c.amount)
        .where(epoch_unpaid.c.epoch == epoch)
        .order_by(epoch_unpaid.c.platform_id)
    )
    return [(int(p), int(a)) for p, a in rows]


def held_back_of(conn: Connection, epoch: int) -> list[HeldBack]:
    rows = conn.execute(
        select(epoch_held_back.c.platform_id, epoch_held_back.c.debit, epoch_held_back.c.escrow)
        .where(epoch_held_back.c.epoch == epoch)
        .order_by(epoch_held_back.c.platform_id)
    )
    return [HeldBack(int(p), int(d), int(e)) for p, d, e in rows]


def confirm_epoch(
    conn: Connection, epoch: int, posted_block: int | None, tx_hash: str | None
) -> None:
    """Marks the epoch confirmed, its computed rows the settled state and its reports settled."""
    from oracle.settlement.engine import confirm

    update_epoch(conn, epoch, status="confirmed", posted_block=posted_block, tx_hash=tx_hash)
    confirm(conn, epoch)
    included = conn.execute(
        select(epoch_reports.c.report_version_id).where(epoch_reports.c.epoch == epoch)
    )
    mark_settled(conn, [int(row[0]) for row in included], epoch)


def quarantine_counts(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(quarantine.c.status, func.count()).group_by(quarantine.c.status))
    return {str(status): int(count) for status, count in rows}


def pending_report_count(conn: Connection) -> int:
    value = conn.execute(
        select(func.count())
        .select_from(reports)
        .where(reports.c.status == "accepted", reports.c.settled_epoch.is_(None))
    ).scalar()
    return int(value or 0)
