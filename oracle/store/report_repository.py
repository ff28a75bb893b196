"""Report versions: insert on receipt, decide (accept/reject), list, supersede, mark settled."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, select, update

from oracle.errors import StoreError, ValidationIssue
from oracle.store.counters import take_intake_seq
from oracle.store.records import (
    NewQuarantine,
    QuarantineStatus,
    ReportFormat,
    ReportStatus,
    ReportVersion,
)
from oracle.store.schema import ai_generations, quarantine, reports, usage


def _to_version(row: Row[Any]) -> ReportVersion:
    m = row._mapping
    return ReportVersion(
        id=int(m["id"]),
        platform_id=int(m["platform_id"]),
        report_id=m["report_id"],
        version=int(m["version"]),
        message_id=m["message_id"],
        format=ReportFormat(m["format"]),
        content_hash=m["content_hash"],
        raw_hash=m["raw_hash"],
        raw_path=m["raw_path"],
        file_name=m["file_name"],
        signature=m["signature"],
        signer=m["signer"],
        period_start=m["period_start"],
        period_end=m["period_end"],
        status=ReportStatus(m["status"]),
        intake_seq=m["intake_seq"],
        supersedes_id=m["supersedes_id"],
        superseded_by_id=m["superseded_by_id"],
        settled_epoch=m["settled_epoch"],
        line_count=int(m["line_count"]),
        payable_micro_units=int(m["payable_micro_units"]),
        quarantined_micro_units=int(m["quarantined_micro_units"]),
        error_count=int(m["error_count"]),
        received_at=int(m["received_at"]),
        decided_at=m["decided_at"],
    )


def get_report(conn: Connection, version_id: int) -> ReportVersion | None:
    row = conn.execute(select(reports).where(reports.c.id == version_id)).first()
    return _to_version(row) if row is not None else None


def find_version(
    conn: Connection, platform_id: int, report_id: str, content_hash: str
) -> ReportVersion | None:
    """The version of `report_id` with exactly this content, if it was received before."""
    row = conn.execute(
        select(reports).where(
            reports.c.platform_id == platform_id,
            reports.c.report_id == report_id,
            reports.c.content_hash == content_hash,
        )
    ).first()
    return _to_version(row) if row is not None else None


def find_by_message_id(conn: Connection, platform_id: int, message_id: str) -> ReportVersion | None:
    row = conn.execute(
        select(reports)
        .where(reports.c.platform_id == platform_id, reports.c.message_id == message_id)
        .order_by(reports.c.id)
    ).first()
    return _to_version(row) if row is not None else None


def report_history(conn: Connection, platform_id: int, report_id: str) -> list[ReportVersion]:
    """Every received version of one report, oldest first (corrections included)."""
    rows = conn.execute(
        select(reports)
        .where(reports.c.platform_id == platform_id, reports.c.report_id == report_id)
        .order_by(reports.c.id)
    )
    return [_to_version(r) for r in rows]


def list_reports(
    conn: Connection,
    platform_id: int | None = None,
    status: ReportStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[ReportVersion]:
    """Report versions, newest first."""
    query = select(reports).order_by(reports.c.id.desc()).limit(limit).offset(offset)
    if platform_id is not None:
        query = query.where(reports.c.platform_id == platform_id)
    if status is not None:
        query = query.where(reports.c.status == status.value)
    return [_to_version(r) for r in conn.execute(query)]


def received_versions(conn: Connection) -> list[tuple[int, int, str]]:
    """(id, received_at, file name) of every version still ``received``, oldest first.

    Only these three columns are read, so a row whose other columns do not make a ReportVersion
    (an unknown format code, a broken value) is still listed: recovery marks it failed."""
    rows = conn.execute(
        select(reports.c.id, reports.c.received_at, reports.c.file_name)
        .where(reports.c.status == ReportStatus.RECEIVED.value)
        .order_by(reports.c.id)
    )
    return [(int(i), int(r or 0), str(f or "")) for i, r, f in rows]


def report_errors(conn: Connection, version_id: int) -> list[ValidationIssue]:
    """The listed (capped) errors of a rejected version; `error_count` has the total."""
    raw = conn.execute(select(reports.c.errors).where(reports.c.id == version_id)).scalar()
    if raw is None:
        return []
    return [ValidationIssue(**item) for item in json.loads(raw)]


def insert_received(
    conn: Connection,
    *,
    platform_id: int,
    report_id: str,
    message_id: str | None,
    report_format: ReportFormat,
    content_hash: str,
    raw_hash: str,
    raw_path: str,
    file_name: str,
    signature: str,
    period_start: int | None,
    period_end: int | None,
) -> int:
    """Records a newly received version (status received); returns its version id."""
    version = conn.execute(
        select(func.count())
        .select_from(reports)
        .where(reports.c.platform_id == platform_id, reports.c.report_id == report_id)
    ).scalar_one()
    result = conn.execute(
        insert(reports).values(
            platform_id=platform_id,
            report_id=report_id,
            version=int(version) + 1,
            message_id=message_id,
            format=int(report_format),
            content_hash=content_hash,
            raw_hash=raw_hash,
            raw_path=raw_path,
            file_name=file_name,
            signature=signature,
            period_start=period_start,
            period_end=period_end,
            status=ReportStatus.RECEIVED.value,
            received_at=int(time.time()),
        )
    )
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("insert into oracle_reports returned no id")
    return int(key[0])


def record_rejection(
    conn: Connection,
    version_id: int,
    issues: Sequence[ValidationIssue],
    total_issues: int,
    *,
    signer: str | None = None,
    line_count: int = 0,
) -> None:
    errors = json.dumps(
        [{"file": i.file, "line": i.line, "field": i.field, "message": i.message} for i in issues]
    )
    conn.execute(
        update(reports)
        .where(reports.c.id == version_id)
        .values(
            status=ReportStatus.REJECTED.value,
            errors=errors,
            error_count=total_issues,
            signer=signer,
            line_count=line_count,
            decided_at=int(time.time()),
        )
    )


def record_acceptance(
    conn: Connection,
    version_id: int,
    *,
    signer: str,
    line_count: int,
    usage_rows: dict[tuple[int, int], int],
    generation_rows: dict[tuple[int, int], int],
    quarantined: Sequence[NewQuarantine],
) -> int:
    """Writes the aggregated rows of an accepted version and supersedes the previous accepted one.

    `usage_rows` maps (track_id, usage_class) to payable micro-units; `generation_rows` maps
    (generated_track_id, usage_class) to generation counts. Returns the new intake sequence number.
    Must run in one transaction with nothing else written for this version before it.
    """
    current = conn.execute(select(reports).where(reports.c.id == version_id)).first()
    if current is None:
        raise StoreError(f"report version {version_id} does not exist")
    if current._mapping["status"] != ReportStatus.RECEIVED.value:
        raise StoreError(f"report version {version_id} was already decided")
    seq = take_intake_seq(conn)
    if usage_rows:
        conn.execute(
            insert(usage),
            [
                {"report_version_id": version_id, "track_id": t, "usage_class": c, "micro_units": m}
                for (t, c), m in usage_rows.items()
            ],
        )
    if generation_rows:
        conn.execute(
            insert(ai_generations),
            [
                {
                    "report_version_id": version_id,
                    "generated_track_id": t,
                    "usage_class": c,
                    "generations": n,
                }
                for (t, c), n in generation_rows.items()
            ],
        )
    if quarantined:
        conn.execute(
            insert(quarantine),
            [
                {
                    "report_version_id": version_id,
                    "track_id": q.track_id,
                    "usage_class": q.usage_class,
                    "reason": q.reason.value,
                    "detail": q.detail,
                    "micro_units": q.micro_units,
                    "sample_lines": ",".join(str(n) for n in q.sample_lines),
                    "status": QuarantineStatus.HELD.value,
                }
                for q in quarantined
            ],
        )
    m = current._mapping
    previous = conn.execute(
        select(reports.c.id).where(
            reports.c.platform_id == m["platform_id"],
            reports.c.report_id == m["report_id"],
            reports.c.status == ReportStatus.ACCEPTED.value,
        )
    ).scalar()
    now = int(time.time())
    if previous is not None:
        conn.execute(
            update(reports)
            .where(reports.c.id == previous)
            .values(status=ReportStatus.SUPERSEDED.value, superseded_by_id=version_id)
        )
    conn.execute(
        update(reports)
        .where(reports.c.id == version_id)
        .values(
            status=ReportStatus.ACCEPTED.value,
            intake_seq=seq,
            signer=signer,
            line_count=line_count,
            supersedes_id=previous,
            payable_micro_units=sum(usage_rows.values()),
            quarantined_micro_units=sum(q.micro_units for q in quarantined),
            errors="[]",
            error_count=0,
            decided_at=now,
        )
    )
    return seq


def lock_for_decision(conn: Connection, version_id: int) -> ReportStatus | None:
    """Write-locks a version's row first thing in the deciding transaction; returns its status.

    The no-op UPDATE takes SQLite's write lock up front (no failed read-to-write upgrade under
    concurrency) and the row lock on PostgreSQL, so two processes never decide one version twice.
    """
    conn.execute(update(reports).where(reports.c.id == version_id).values(status=reports.c.status))
    status = conn.execute(select(reports.c.status).where(reports.c.id == version_id)).scalar()
    return ReportStatus(status) if status is not None else None


def reopen_rejected(
    conn: Connection,
    version_id: int,
    signature: str,
    *,
    raw_hash: str | None = None,
    raw_path: str | None = None,
    file_name: str | None = None,
    message_id: str | None = None,
    period_start: int | None = None,
    period_end: int | None = None,
) -> None:
    """Puts a rejected version back to received so it is validated again, from the file sent now.

    Nothing of a rejected version was counted, so re-validating it (e.g. after the missing track was
    registered, or resent with a fixed period and a new signature) cannot count anything twice. The
    row takes the new raw file, signature and period, so the new signature is checked against the
    new file, never against the first one.
    """
    values: dict[str, Any] = {
        "status": ReportStatus.RECEIVED.value,
        "decided_at": None,
        "signature": signature,
    }
    if raw_path is not None:
        values.update(
            raw_hash=raw_hash,
            raw_path=raw_path,
            file_name=file_name,
            message_id=message_id,
            period_start=period_start,
            period_end=period_end,
        )
    conn.execute(
        update(reports)
        .where(reports.c.id == version_id, reports.c.status == ReportStatus.REJECTED.value)
        .values(**values)
    )


def overlapping_settled_periods(
    conn: Connection, platform_id: int, period_start: int, period_end: int, report_id: str
) -> list[ReportVersion]:
    """Settled versions of this platform's other reports whose [start, end) overlaps this one."""
    rows = conn.execute(
        select(reports).where(
            reports.c.platform_id == platform_id,
            reports.c.report_id != report_id,
            reports.c.settled_epoch.is_not(None),
            and_(reports.c.period_start < period_end, reports.c.period_end > period_start),
        )
    )
    return [_to_version(r) for r in rows]


def mark_settled(conn: Connection, report_version_ids: Iterable[int], epoch: int) -> int:
    """Records that these accepted versions were included in posted `epoch` (first epoch wins).

    Called by the epoch part after its root is posted. Returns how many rows changed.
    """
    ids = list(report_version_ids)
    changed = 0
    for start in range(0, len(ids), 500):
        result = conn.execute(
            update(reports)
            .where(reports.c.id.in_(ids[start : start + 500]), reports.c.settled_epoch.is_(None))
            .values(settled_epoch=epoch)
        )
        changed += result.rowcount
    return changed


def platform_lifetime_micro_units(
    conn: Connection, platform_id: int, report_id: str
) -> tuple[int, int]:
    """(sum over the platform's other report ids of their largest accepted version's micro-units,
    the largest of `report_id`'s). Payable + quarantined per version; summed in Python."""
    size = reports.c.payable_micro_units + reports.c.quarantined_micro_units
    rows = conn.execute(
        select(reports.c.report_id, func.max(size))
        .where(
            reports.c.platform_id == platform_id,
            reports.c.status.in_((ReportStatus.ACCEPTED.value, ReportStatus.SUPERSEDED.value)),
        )
        .group_by(reports.c.report_id)
    )
    others = 0
    this_report = 0
    for rid, largest in rows:
        if rid == report_id:
            this_report = int(largest or 0)
        else:
            others += int(largest or 0)
    return others, this_report
