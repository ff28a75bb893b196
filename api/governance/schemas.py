"""Governance change records, rebuilt from the indexed ChangeQueued / ChangeApplied /
ChangeCancelled events of UsageSettlement."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class ChangeStatus(StrEnum):
    queued = "queued"
    applied = "applied"
    cancelled = "cancelled"


class GovernanceChange(BaseModel):
    change_id: int
    kind: str = Field(description="signers | guardian | root_delay | withdrawal_delay | rates")
    status: ChangeStatus
    eta: int = Field(description="Unix seconds from which anyone may apply it.")
    data: str = Field(description="The change's ABI-encoded arguments, as queued (hex).")
    args: dict[str, Any] = Field(
        description="`data` decoded: signers + threshold, guardian, seconds, or platform_id + "
        "rates (decimal strings) + effective_from."
    )
    queued_tx: str
    queued_block: int
    applied_tx: str | None = None
    cancelled_tx: str | None = None
    cancelled_by: str | None = None


class GovernanceChanges(BaseModel):
    items: list[GovernanceChange]
    pending: int = Field(description="How many are still queued (neither applied nor cancelled).")
