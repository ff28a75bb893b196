"""The transparency report: each amount the account was credited, traced to its tracks, their
platform reports, the epoch root, the account's leaf and proof, and the transactions."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.types import Amount


class SourceReport(BaseModel):
    platform_id: int
    report_id: str
    version_id: int


class UsageMove(BaseModel):
    platform_id: int
    usage_class: int
    class_name: str
    micro_units: Amount = Field(description="Usage this epoch added.")
    amount: Amount = Field(description="Amount this epoch added for the whole track.")
    source_reports: list[SourceReport]


class PathShare(BaseModel):
    path: list[str] = Field(description="Splits from the track's split down to the account's.")
    product: Amount = Field(description="Product of the shares along the path.")
    depth: int = Field(description="The product is out of 1e6^depth.")


class TrackCredit(BaseModel):
    """What one epoch added to the account's credit from one track, in one token."""

    epoch: int
    track_id: int
    title: str
    token: str
    paths: list[PathShare]
    track_cumulative: Amount = Field(description="The track's cumulative amount after the epoch.")
    your_cumulative: Amount = Field(
        description="Sum over paths of floor(track_cumulative x product / 1e6^depth)."
    )
    track_amount: Amount = Field(description="What the epoch added to the track.")
    your_amount: Amount = Field(description="What the epoch added to your credit.")
    root: str
    data_hash: str
    post_tx_hash: str | None
    usage: list[UsageMove]


class LeafProof(BaseModel):
    account: str
    token: str
    cumulative_amount: Amount
    proof: list[str] = Field(description="Check with MerkleProof against the epoch's root.")


class TransparencyEpoch(BaseModel):
    epoch: int
    root: str
    data_hash: str
    post_tx_hash: str | None
    leaves: list[LeafProof] = Field(
        description="The account's leaves in this epoch (kept for the last confirmed epoch and "
        "newer; older ones are in the epoch's published data file)."
    )


class ChainPayment(BaseModel):
    event: str = Field(examples=["Claimed", "Released"])
    split: str | None = Field(description="The split released from (Released only).")
    token: str
    amount: Amount
    tx_hash: str
    block_number: int


class TransparencyReport(BaseModel):
    address: str
    epoch_from: int
    epoch_to: int
    credits: list[TrackCredit]
    epochs: list[TransparencyEpoch]
    payments: list[ChainPayment]
    totals_per_token: dict[str, Amount] = Field(description="Sum of your_amount per token.")
