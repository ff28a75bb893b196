"""Response bodies of usage report submission and status."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.types import Amount


class ReportIssue(BaseModel):
    file: str
    line: int | None
    field: str
    message: str


class QuarantinedUsage(BaseModel):
    track_id: int
    usage_class: int
    reason: str = Field(examples=["spike", "consent", "tier"])
    detail: str
    micro_units: Amount
    status: str = Field(examples=["held", "released", "rejected"])


class ReportVersionOut(BaseModel):
    version_id: int
    platform_id: int
    report_id: str
    version: int
    format: str = Field(examples=["json", "csv", "dsr"])
    status: str = Field(examples=["accepted", "rejected", "superseded", "received"])
    content_hash: str
    signer: str | None
    period_start: int | None
    period_end: int | None
    line_count: int
    payable_micro_units: Amount
    quarantined_micro_units: Amount
    settled_epoch: int | None
    received_at: int
    decided_at: int | None
    error_count: int
    errors: list[ReportIssue] = Field(default_factory=list)
    quarantined: list[QuarantinedUsage] = Field(default_factory=list)


class SubmissionOut(BaseModel):
    duplicate: bool = Field(
        description="This exact content was accepted before: nothing new counted."
    )
    report: ReportVersionOut
    status_url: str | None = Field(
        default=None,
        description="Where this report's status is read; poll it after a 202 (decided in the "
        "background) until the status is no longer 'received'.",
    )


class ReportHistory(BaseModel):
    platform_id: int
    report_id: str
    versions: list[ReportVersionOut] = Field(description="Oldest first; corrections supersede.")
