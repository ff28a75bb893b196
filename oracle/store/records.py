"""Plain records returned by the repository functions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum


class ReportFormat(IntEnum):
    """The `format` field of the signed UsageReport."""

    JSON = 0
    CSV = 1
    DSR = 2


class ReportStatus(StrEnum):
    RECEIVED = "received"  # raw file and row persisted, not yet decided (e.g. crash mid-way)
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # accepted, then replaced by a correction


class QuarantineStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"
    REJECTED = "rejected"


class QuarantineReason(StrEnum):
    TIER = "tier"  # the track's licence tier does not allow the class
    CONSENT = "consent"  # an opt-in class without consent for the period
    OPTED_OUT = "opted_out"  # usage at or after the track's opt-out time
    SPIKE = "spike"  # over spike_multiple x the trailing average
    PLATFORM_BOUND = "platform_bound"  # the report's total is over the platform's declared bound
    UNKNOWN_TRACK = "unknown_track"  # a DSR ISRC not in the catalog (counted once registered)


@dataclass(frozen=True)
class ReportVersion:
    id: int
    platform_id: int
    report_id: str
    version: int
    message_id: str | None
    format: ReportFormat
    content_hash: str
    raw_hash: str
    raw_path: str
    file_name: str
    signature: str
    signer: str | None
    period_start: int | None
    period_end: int | None
    status: ReportStatus
    intake_seq: int | None
    supersedes_id: int | None
    superseded_by_id: int | None
    settled_epoch: int | None
    line_count: int
    payable_micro_units: int
    quarantined_micro_units: int
    error_count: int
    received_at: int
    decided_at: int | None


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    report_version_id: int
    platform_id: int
    report_id: str
    track_id: int
    usage_class: int
    reason: QuarantineReason
    detail: str
    micro_units: int
    sample_lines: str
    status: QuarantineStatus
    decision_seq: int | None
    decided_at: int | None
    decided_by: str | None


@dataclass(frozen=True)
class NewQuarantine:
    track_id: int
    usage_class: int
    reason: QuarantineReason
    detail: str
    micro_units: int
    sample_lines: tuple[int, ...]
