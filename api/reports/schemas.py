"""The transparency report: every figure traced to report ids, an epoch root and a tx hash."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.types import Amount


class SourceReport(BaseModel):
    platform_id: int
    report_id: str
    version_id: int


class LeafProof(BaseModel):
    split: str
    token: str
    cumulative_amount: Amount
    cumulative_units: list[Amount]
    proof: list[str] = Field(description="Check with MerkleProof against the epoch's root.")


class TransparencyLine(BaseModel):
    epoch: int
    track_id: int
    title: str
    platform_id: int
    usage_class: int
    class_name: str
    token: str
    micro_units: Amount = Field(description="Usage this epoch added.")
    amount: Amount = Field(description="Amount this epoch added for the whole track.")
    share: int
    your_amount: Amount
    root: str
    data_hash: str
    post_tx_hash: str | None
    source_reports: list[SourceReport]


class TransparencyEpoch(BaseModel):
    epoch: int
    root: str
    data_hash: str
    post_tx_hash: str | None
    leaves: list[LeafProof] = Field(description="The contributor's split leaves in this epoch.")


class ChainPayment(BaseModel):
    event: str = Field(examples=["Pulled", "Released"])
    split: str
    token: str
    amount: Amount
    tx_hash: str
    block_number: int


class TransparencyReport(BaseModel):
    address: str
    epoch_from: int
    epoch_to: int
    lines: list[TransparencyLine]
    epochs: list[TransparencyEpoch]
    payments: list[ChainPayment]
    totals_per_token: dict[str, Amount] = Field(description="Sum of your_amount per token.")
