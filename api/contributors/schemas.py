"""Response and request bodies of the contributor routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from api.tracks.schemas import PreparedTransaction
from api.types import Amount, EthAddress


class UsageLine(BaseModel):
    platform_id: int
    usage_class: int = Field(
        description="0 STREAM, 1 DOWNLOAD, 2 UGC_VIDEO, 3 SYNC, 4 AI_GENERATION, 5 AI_REMIX"
    )
    class_name: str
    micro_units: Amount = Field(
        description="Cumulative settled usage, 1e6 = one stream/generation."
    )
    amount: Amount = Field(description="Cumulative settled amount for the whole track.")
    token: str


class TokenEarnings(BaseModel):
    token: str
    accrued: Amount = Field(description="Your share of what settlement credited the track.")
    pulled_to_split: Amount = Field(description="Your share of what was pulled into the split.")
    released_to_you: Amount = Field(description="Paid out of the split to your wallet.")


class PeriodLine(BaseModel):
    epoch: int
    root: str
    tx_hash: str | None
    token: str
    micro_units: Amount = Field(description="Usage this epoch added for the track.")
    amount: Amount = Field(description="Amount this epoch added for the whole track.")
    your_share: Amount


class TrackDashboard(BaseModel):
    track_id: int
    title: str
    split_address: str
    share: int = Field(description="Parts of 1,000,000.")
    role: str
    usage: list[UsageLine]
    ai_generation_units: Amount = Field(description="Micro-units attributed as AI generations.")
    ai_remix_units: Amount
    earnings: list[TokenEarnings]
    periods: list[PeriodLine]


class ContributorDashboard(BaseModel):
    address: str
    last_settled_epoch: int
    tracks: list[TrackDashboard]


class ClaimableLine(BaseModel):
    track_id: int
    split_address: str
    token: str
    in_split: Amount = Field(description="Releasable from the split right now.")
    to_pull: Amount = Field(
        description="Your share of settled value not yet pulled into the split."
    )
    total: Amount


class Claimable(BaseModel):
    address: str
    epoch: int = Field(description="Settlement epoch whose root the pulls use (0 = none yet).")
    per_token: dict[str, Amount]
    lines: list[ClaimableLine]


class ClaimRequest(BaseModel):
    token: EthAddress | None = Field(default=None, description="Claim only this token.")
    track_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None = Field(
        default=None, min_length=1, max_length=200, description="Claim only these tracks."
    )


class ClaimOut(BaseModel):
    status: str = Field(examples=["sent", "nothing_to_claim"])
    tx_hash: str | None = Field(description="The releaseMany transaction.")
    pull_tx_hashes: list[str] = Field(default_factory=list)
    idempotency_key: str


class ClaimCalldata(BaseModel):
    transactions: list[PreparedTransaction] = Field(
        description="Send in order from any wallet: pulls first, then releaseMany to you."
    )
