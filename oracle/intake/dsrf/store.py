"""Persisting what a DSR adds to an accepted report, and resolving unknown ISRCs later.

All writes happen inside the transaction that accepts the report (nothing half-persisted).
When a track with an ISRC is registered, its held `unknown_track` usage moves into the
quarantine table: released (counted from the next epoch cut) unless the track's tier or consent
rules hold it, with the same rules as at intake (oracle/rules.py, `consent_verdict`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from oracle.intake.dsrf.tables import report_files, revenue_lines, unknown_usage
from oracle.store.records import ReportStatus
from oracle.store.schema import quarantine, reports, tracks


def record_dsr_extras(conn: Connection, version_id: int, aggregate: object) -> None:
    """Unknown-ISRC usage, revenue lines and the set's files of an accepted DSR version."""
    from oracle.intake.ddex_dsr import DsrAggregate

    if not isinstance(aggregate, DsrAggregate):
        return
    if aggregate.unknown:
        conn.execute(
            insert(unknown_usage),
            [
                {
                    "report_version_id": version_id,
                    "isrc": u.isrc,
                    "usage_class": u.usage_class,
                    "micro_units": u.micro_units,
                    "sample_lines": ",".join(str(n) for n in u.sample_lines),
                }
                for u in aggregate.unknown
            ],
        )
    if aggregate.lines:
        # Tens of thousands of rows per report: straight to the driver's executemany.
        mark = {"qmark": "?", "numeric": ":1"}.get(conn.dialect.paramstyle, "%s")
        columns = [
            "report_version_id",
            "isrc",
            "track_id",
            "usage_class",
            "use_type",
            "commercial_model",
            "territory",
            "currency",
            "units",
            "revenue",
        ]
        marks = (
            ", ".join([mark] * len(columns))
            if mark != ":1"
            else ", ".join(f":{n}" for n in range(1, len(columns) + 1))
        )
        statement = f"INSERT INTO {revenue_lines.name} ({', '.join(columns)}) VALUES ({marks})"
        rows = [
            (version_id, *line[:8], "" if line.revenue is None else str(line.revenue))
            for line in aggregate.lines
        ]
        conn.exec_driver_sql(statement, rows)
    if aggregate.files:
        conn.execute(
            insert(report_files),
            [
                {
                    "report_version_id": version_id,
                    "file_number": f.file_number,
                    "file_name": f.file_name,
                    "keccak": f.keccak,
                    "raw_path": f.raw_path,
                }
                for f in aggregate.files
            ],
        )


def resolve_unknown_usage(conn: Connection, track_id: int) -> int:
    """Moves held unknown-ISRC usage of `track_id`'s ISRC into quarantine; returns how many.

    Only usage of versions still in force (accepted) moves; a superseded version's usage stays
    where it is, as its report no longer counts.
    """
    from oracle.catalog import get_tracks
    from oracle.rules import consent_verdict
    from oracle.store.counters import take_intake_seq
    from oracle.store.records import QuarantineReason, QuarantineStatus

    isrc = conn.execute(select(tracks.c.isrc).where(tracks.c.track_id == track_id)).scalar()
    if not isrc:
        return 0
    rows = conn.execute(
        select(unknown_usage, reports.c.period_start, reports.c.period_end, reports.c.status)
        .join(reports, reports.c.id == unknown_usage.c.report_version_id)
        .where(unknown_usage.c.isrc == isrc, unknown_usage.c.quarantine_id.is_(None))
        .order_by(unknown_usage.c.id)
    ).all()
    rows = [r for r in rows if r.status == ReportStatus.ACCEPTED.value]
    if not rows:
        return 0
    track = get_tracks(conn, [track_id])[track_id]
    moved = 0
    for row in rows:
        taken = conn.execute(
            select(quarantine.c.id).where(
                quarantine.c.report_version_id == row.report_version_id,
                quarantine.c.track_id == track_id,
                quarantine.c.usage_class == row.usage_class,
            )
        ).first()
        if taken is not None:
            continue  # that report already has an entry for this track and class
        verdict = consent_verdict(track, row.usage_class, row.period_start, row.period_end)
        values = {
            "report_version_id": row.report_version_id,
            "track_id": track_id,
            "usage_class": row.usage_class,
            "micro_units": row.micro_units,
            "sample_lines": row.sample_lines,
        }
        if verdict is None:
            seq = take_intake_seq(conn)
            values |= {
                "reason": QuarantineReason.UNKNOWN_TRACK.value,
                "detail": f"ISRC {isrc} was not in the catalog; registered as track {track_id}",
                "status": QuarantineStatus.RELEASED.value,
                "decision_seq": seq,
                "decided_by": "catalog",
            }
        else:
            values |= {
                "reason": verdict[0].value,
                "detail": f"ISRC {isrc} registered as track {track_id}; {verdict[1]}",
                "status": QuarantineStatus.HELD.value,
            }
        inserted = conn.execute(insert(quarantine).values(**values)).inserted_primary_key
        assert inserted is not None
        entry_id = inserted[0]
        conn.execute(
            update(unknown_usage)
            .where(unknown_usage.c.id == row.id)
            .values(track_id=track_id, quarantine_id=int(entry_id))
        )
        moved += 1
    conn.execute(
        update(revenue_lines)
        .where(revenue_lines.c.isrc == isrc, revenue_lines.c.track_id.is_(None))
        .values(track_id=track_id)
    )
    return moved


@dataclass(frozen=True)
class UnknownEntry:
    id: int
    report_version_id: int
    isrc: str
    usage_class: int
    micro_units: int
    sample_lines: str
    track_id: int | None
    quarantine_id: int | None


def list_unknown_usage(
    conn: Connection, report_version_id: int | None = None, held_only: bool = True
) -> list[UnknownEntry]:
    query = select(unknown_usage).order_by(unknown_usage.c.id)
    if report_version_id is not None:
        query = query.where(unknown_usage.c.report_version_id == report_version_id)
    if held_only:
        query = query.where(unknown_usage.c.quarantine_id.is_(None))
    return [
        UnknownEntry(
            int(r.id),
            int(r.report_version_id),
            r.isrc,
            int(r.usage_class),
            int(r.micro_units),
            r.sample_lines,
            r.track_id,
            r.quarantine_id,
        )
        for r in conn.execute(query)
    ]


@dataclass(frozen=True)
class StatementLine:
    """What the contributor statement shows per aggregated DSR line of a track."""

    report_version_id: int
    platform_id: int
    report_id: str
    period_start: int | None
    period_end: int | None
    track_id: int
    isrc: str
    usage_class: int
    use_type: str
    commercial_model: str
    territory: str
    currency: str
    units: int
    revenue: str  # exact decimal text as reported; "" when the profile carries none


def track_revenue(conn: Connection, track_ids: list[int]) -> list[StatementLine]:
    """Reported revenue lines of these tracks, over accepted (in force) report versions.

    Amounts paid are still priced by the on-chain rate card; this is the platform's own
    reporting, shown beside them.
    """
    if not track_ids:
        return []
    query = (
        select(
            revenue_lines,
            reports.c.platform_id,
            reports.c.report_id,
            reports.c.period_start,
            reports.c.period_end,
        )
        .join(reports, reports.c.id == revenue_lines.c.report_version_id)
        .where(
            revenue_lines.c.track_id.in_(sorted(set(track_ids))),
            reports.c.status == ReportStatus.ACCEPTED.value,
        )
        .order_by(revenue_lines.c.report_version_id, revenue_lines.c.id)
    )
    return [
        StatementLine(
            int(r.report_version_id),
            int(r.platform_id),
            r.report_id,
            r.period_start,
            r.period_end,
            int(r.track_id),
            r.isrc,
            int(r.usage_class),
            r.use_type,
            r.commercial_model,
            r.territory,
            r.currency,
            int(r.units),
            r.revenue,
        )
        for r in conn.execute(query)
    ]
