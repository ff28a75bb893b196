"""Quarantined usage: list, release (becomes payable), reject (never paid)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Row, select, update

from oracle.errors import QuarantineError
from oracle.store.counters import take_intake_seq
from oracle.store.records import QuarantineEntry, QuarantineReason, QuarantineStatus
from oracle.store.schema import quarantine, reports


def _to_entry(row: Row[Any]) -> QuarantineEntry:
    m = row._mapping
    return QuarantineEntry(
        id=int(m["id"]),
        report_version_id=int(m["report_version_id"]),
        platform_id=int(m["platform_id"]),
        report_id=m["report_id"],
        track_id=int(m["track_id"]),
        usage_class=int(m["usage_class"]),
        reason=QuarantineReason(m["reason"]),
        detail=m["detail"],
        micro_units=int(m["micro_units"]),
        sample_lines=m["sample_lines"],
        status=QuarantineStatus(m["status"]),
        decision_seq=m["decision_seq"],
        decided_at=m["decided_at"],
        decided_by=m["decided_by"],
    )


def _base_query() -> Any:
    return select(quarantine, reports.c.platform_id, reports.c.report_id).join(
        reports, reports.c.id == quarantine.c.report_version_id
    )


def list_quarantine(
    conn: Connection,
    status: QuarantineStatus | None = QuarantineStatus.HELD,
    platform_id: int | None = None,
    report_version_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[QuarantineEntry]:
    query = _base_query().order_by(quarantine.c.id).limit(limit).offset(offset)
    if status is not None:
        query = query.where(quarantine.c.status == status.value)
    if platform_id is not None:
        query = query.where(reports.c.platform_id == platform_id)
    if report_version_id is not None:
        query = query.where(quarantine.c.report_version_id == report_version_id)
    return [_to_entry(r) for r in conn.execute(query)]


def get_quarantine(conn: Connection, entry_id: int) -> QuarantineEntry | None:
    row = conn.execute(_base_query().where(quarantine.c.id == entry_id)).first()
    return _to_entry(row) if row is not None else None


def _decide(
    conn: Connection, entry_id: int, status: QuarantineStatus, decided_by: str
) -> QuarantineEntry:
    # The counter first: it takes the write lock, so the status read below is current.
    # Raising rolls the transaction back, counter included.
    seq = take_intake_seq(conn)
    entry = get_quarantine(conn, entry_id)
    if entry is None:
        raise QuarantineError(f"quarantine entry {entry_id} does not exist")
    if entry.status is not QuarantineStatus.HELD:
        raise QuarantineError(f"quarantine entry {entry_id} was already {entry.status.value}")
    result = conn.execute(
        update(quarantine)
        .where(quarantine.c.id == entry_id, quarantine.c.status == QuarantineStatus.HELD.value)
        .values(
            status=status.value,
            decision_seq=seq,
            decided_at=int(time.time()),
            decided_by=decided_by,
        )
    )
    if result.rowcount != 1:
        raise QuarantineError(f"quarantine entry {entry_id} was decided concurrently")
    decided = get_quarantine(conn, entry_id)
    assert decided is not None
    return decided


def release(conn: Connection, entry_id: int, decided_by: str = "operator") -> QuarantineEntry:
    """Makes a held entry payable from the next epoch cut on."""
    return _decide(conn, entry_id, QuarantineStatus.RELEASED, decided_by)


def reject(conn: Connection, entry_id: int, decided_by: str = "operator") -> QuarantineEntry:
    """Marks a held entry as never payable."""
    return _decide(conn, entry_id, QuarantineStatus.REJECTED, decided_by)
