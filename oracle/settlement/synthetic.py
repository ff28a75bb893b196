"""Usage written straight into the store through the intake's repository functions, without
report files: for the scale bench and for tests of epochs that need many histories quickly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eth_utils.crypto import keccak
from sqlalchemy import Connection

from oracle.store.records import NewQuarantine, QuarantineReason, ReportFormat
from oracle.store.report_repository import insert_received, record_acceptance

SIGNER = "0x" + "00" * 19 + "01"


def add_report(
    conn: Connection,
    platform_id: int,
    report_id: str,
    usage_rows: Mapping[tuple[int, int], int],
    *,
    quarantined: Sequence[tuple[int, int, int]] = (),
    salt: str = "",
    period: tuple[int, int] | None = None,
) -> tuple[int, int]:
    """Accepts a version of `report_id` (superseding the current one); returns (id, intake_seq).

    usage_rows: (track, class) -> payable micro-units; quarantined: (track, class, micro-units)
    held for review; period: (start, end) in unix seconds (None: no period, priced by the
    platform's first rate card).
    """
    content = keccak(text=f"{platform_id}/{report_id}/{salt}/{sorted(usage_rows.items())}")
    version_id = insert_received(
        conn,
        platform_id=platform_id,
        report_id=report_id,
        message_id=None,
        report_format=ReportFormat.JSON,
        content_hash="0x" + content.hex(),
        raw_hash="0x" + content.hex(),
        raw_path="",
        file_name=f"{report_id}.json",
        signature="0x",
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
    )
    seq = record_acceptance(
        conn,
        version_id,
        signer=SIGNER,
        line_count=len(usage_rows),
        usage_rows=dict(usage_rows),
        generation_rows={},
        quarantined=[
            NewQuarantine(t, c, QuarantineReason.SPIKE, "synthetic", m, ())
            for t, c, m in quarantined
        ],
    )
    return version_id, seq
