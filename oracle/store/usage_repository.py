"""Reads of aggregated usage: payable cumulative totals at an intake cut, trailing averages."""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Select, and_, exists, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import aliased

from oracle.store.records import QuarantineStatus, ReportStatus
from oracle.store.schema import ai_generations, quarantine, reports, usage

log = logging.getLogger(__name__)


def _effective_versions(cut_seq: int) -> Select[int]:
    """Ids of the report versions in force at `cut_seq`.

    A version is in force when it was accepted with intake_seq <= cut and no later version of the
    same (platform, report id) was accepted with intake_seq <= cut. Evaluating supersession at the
    cut (not now) keeps every past cut reproducible after corrections arrive.
    """
    later = aliased(reports)
    return select(reports.c.id).where(
        reports.c.intake_seq.is_not(None),
        reports.c.intake_seq <= cut_seq,
        ~exists().where(
            later.c.platform_id == reports.c.platform_id,
            later.c.report_id == reports.c.report_id,
            later.c.intake_seq > reports.c.intake_seq,
            later.c.intake_seq <= cut_seq,
        ),
    )


def effective_report_version_ids(conn: Connection, cut_seq: int) -> list[int]:
    """Ids of the versions whose usage makes up the totals at `cut_seq` (for mark_settled)."""
    query = _effective_versions(cut_seq).order_by(reports.c.id)
    return [int(row[0]) for row in conn.execute(query)]


def payable_totals(
    conn: Connection,
    cut_seq: int,
    *,
    platform_id: int | None = None,
    faults: dict[int, str] | None = None,
) -> dict[tuple[int, int, int], int]:
    """Payable cumulative micro-units per (track_id, platform_id, usage_class) at `cut_seq`.

    Sum over the versions in force at the cut of their payable usage rows plus their quarantine
    entries released with decision_seq <= cut. Held and rejected quarantine never counts.

    Intake caps bound every one of these sums below 2^62 (oracle.intake.validate), so the 64-bit
    SQL sums cannot overflow. Should a store hold older data over the bound anyway, the platform
    whose sums fail is left out (its totals stay where they were settled: held back) and named in
    `faults` with the reason; the other platforms' totals are still returned.
    """
    try:
        return _payable_totals(conn, cut_seq, platform_id)
    except DBAPIError as exc:
        if not _is_overflow(exc) or platform_id is not None:
            raise
    totals: dict[tuple[int, int, int], int] = {}
    for pid in sorted(int(p) for p in conn.execute(select(reports.c.platform_id).distinct())):
        try:
            totals.update(_payable_totals(conn, cut_seq, pid))
        except DBAPIError as exc:
            if not _is_overflow(exc):
                raise
            reason = f"platform {pid}: its usage sums overflow 64 bits ({exc.orig}); held back"
            log.error(reason)
            if faults is not None:
                faults[pid] = reason
    return totals


def _is_overflow(exc: DBAPIError) -> bool:
    return "overflow" in str(exc.orig).lower() or "out of range" in str(exc.orig).lower()


def _payable_totals(
    conn: Connection, cut_seq: int, platform_id: int | None
) -> dict[tuple[int, int, int], int]:
    effective = _effective_versions(cut_seq).subquery()
    totals: dict[tuple[int, int, int], int] = {}
    usage_query = (
        select(
            usage.c.track_id,
            reports.c.platform_id,
            usage.c.usage_class,
            func.sum(usage.c.micro_units),
        )
        .join(reports, reports.c.id == usage.c.report_version_id)
        .where(usage.c.report_version_id.in_(select(effective.c.id)))
        .group_by(usage.c.track_id, reports.c.platform_id, usage.c.usage_class)
    )
    released_query = (
        select(
            quarantine.c.track_id,
            reports.c.platform_id,
            quarantine.c.usage_class,
            func.sum(quarantine.c.micro_units),
        )
        .join(reports, reports.c.id == quarantine.c.report_version_id)
        .where(
            quarantine.c.report_version_id.in_(select(effective.c.id)),
            quarantine.c.status == QuarantineStatus.RELEASED.value,
            quarantine.c.decision_seq <= cut_seq,
        )
        .group_by(quarantine.c.track_id, reports.c.platform_id, quarantine.c.usage_class)
    )
    if platform_id is not None:
        usage_query = usage_query.where(reports.c.platform_id == platform_id)
        released_query = released_query.where(reports.c.platform_id == platform_id)
    for query in (usage_query, released_query):
        for track_id, pid, usage_class, micro in conn.execute(query):
            key = (int(track_id), int(pid), int(usage_class))
            totals[key] = totals.get(key, 0) + int(micro)
    return totals


def usage_faults(conn: Connection, cut_seq: int) -> dict[int, str]:
    """Platforms whose stored usage cannot be summed (held back), with the reason."""
    faults: dict[int, str] = {}
    payable_totals(conn, cut_seq, faults=faults)
    return faults


def trailing_usage(
    conn: Connection, platform_id: int, window: int
) -> tuple[int, dict[tuple[int, int], int]]:
    """(number of reports, summed payable micro-units per (track, class)) over the platform's last
    `window` accepted, current (non-superseded) report versions."""
    recent = (
        select(reports.c.id)
        .where(
            reports.c.platform_id == platform_id, reports.c.status == ReportStatus.ACCEPTED.value
        )
        .order_by(reports.c.intake_seq.desc())
        .limit(window)
    )
    ids = [int(v) for v in conn.execute(recent).scalars()]
    if not ids:
        return 0, {}
    rows = conn.execute(
        select(usage.c.track_id, usage.c.usage_class, func.sum(usage.c.micro_units))
        .where(usage.c.report_version_id.in_(ids))
        .group_by(usage.c.track_id, usage.c.usage_class)
    )
    return len(ids), {(int(t), int(c)): int(m) for t, c, m in rows}


def ai_generation_counts(
    conn: Connection, cut_seq: int, generated_track_id: int | None = None
) -> dict[tuple[int, int], int]:
    """Generations per (generated_track_id, usage_class) over the versions in force at `cut_seq`."""
    effective = _effective_versions(cut_seq).subquery()
    query = (
        select(
            ai_generations.c.generated_track_id,
            ai_generations.c.usage_class,
            func.sum(ai_generations.c.generations),
        )
        .where(ai_generations.c.report_version_id.in_(select(effective.c.id)))
        .group_by(ai_generations.c.generated_track_id, ai_generations.c.usage_class)
    )
    if generated_track_id is not None:
        query = query.where(and_(ai_generations.c.generated_track_id == generated_track_id))
    return {(int(t), int(c)): int(n) for t, c, n in conn.execute(query)}
