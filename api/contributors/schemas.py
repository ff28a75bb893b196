"""Response and request bodies of the contributor routes."""

from __future__ import annotations

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
    your_amount: Amount = Field(
        description="This line's amount through your paths, one floor per path (indicative: "
        "the track's exact credit, in earnings, floors the track's total, not each line)."
    )
    token: str


class PathLine(BaseModel):
    path: list[str] = Field(description="The splits from the track's split down to yours.")
    product: Amount = Field(description="Product of the shares along the path.")
    depth: int = Field(description="Splits on the path; the product is out of 1e6^depth.")


class TokenEarnings(BaseModel):
    token: str
    accrued: Amount = Field(
        description="What settlement credited you from this track: sum over your paths of "
        "floor(track cumulative amount x product / 1e6^depth). Part of your account's leaf."
    )
    released_to_you: Amount = Field(
        description="Paid to you out of the track's split (editions, EIP-2981 royalties)."
    )


class PeriodLine(BaseModel):
    epoch: int
    root: str
    tx_hash: str | None
    token: str
    micro_units: Amount = Field(description="Usage this epoch added for the track.")
    amount: Amount = Field(description="Amount this epoch added for the whole track.")
    your_share: Amount = Field(description="What this epoch added to your credit from it.")


class TrackDashboard(BaseModel):
    track_id: int
    title: str
    split_address: str
    share: int = Field(
        description="Your direct share of its split, parts of 1,000,000 (0: "
        "you are paid through a nested split)."
    )
    role: str
    paths: list[PathLine]
    usage: list[UsageLine]
    ai_generation_units: Amount = Field(description="Micro-units attributed as AI generations.")
    ai_remix_units: Amount
    earnings: list[TokenEarnings]
    periods: list[PeriodLine]


class AccountTotals(BaseModel):
    token: str
    cumulative_amount: Amount = Field(description="Your leaf in the last confirmed epoch.")
    claimed: Amount = Field(description="Paid to you by settlement claims (indexed Claimed).")


class ContributorDashboard(BaseModel):
    address: str
    last_settled_epoch: int
    settlement: list[AccountTotals]
    tracks: list[TrackDashboard]


class SettlementProof(BaseModel):
    epoch: int = Field(description="The settlement epoch whose root the proof is against.")
    root: str
    account: str
    token: str
    cumulativeAmount: Amount = Field(  # noqa: N815 (the contract's field name)
        description="The account's cumulative amount of the token in that epoch's leaf."
    )
    proof: list[str] = Field(
        description="Sibling hashes, leaf to root: OpenZeppelin MerkleProof.verify of "
        "keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount))))."
    )


class ClaimableToken(BaseModel):
    token: str
    cumulative_amount: Amount = Field(description="The account's leaf under the current root.")
    claimed: Amount = Field(description="claimed(account, token), read on chain.")
    claimable: Amount = Field(description="cumulative_amount - claimed.")


class SplitClaimable(BaseModel):
    track_id: int
    split_address: str
    token: str
    in_split: Amount = Field(
        description="Releasable from the split now (editions, EIP-2981 royalties, transfers)."
    )
    split_leaf_unclaimed: Amount = Field(
        description="The split's own settlement leaf not yet claimed into it (a split that is "
        "itself a settlement account); the claim claims it first."
    )
    total: Amount = Field(description="Releasable to you once the split's leaf is claimed.")


class Claimable(BaseModel):
    address: str
    epoch: int = Field(description="Epoch of the chain's current root (0 = none yet).")
    root: str | None
    per_token: dict[str, Amount] = Field(description="Everything one claim pays you, per token.")
    settlement: list[ClaimableToken] = Field(description="Your settlement leaves, per token.")
    splits: list[SplitClaimable] = Field(description="Money held in splits you are paid from.")


class ClaimRequest(BaseModel):
    token: EthAddress | None = Field(default=None, description="Claim only this token.")
    include_splits: bool = Field(
        default=True,
        description="Also release what splits hold for you (editions, royalties, split accounts).",
    )


class ClaimOut(BaseModel):
    status: str = Field(examples=["sent", "nothing_to_claim"])
    tx_hash: str | None = Field(
        description="The settlement claim (`claim` or `claimMany`), or the releaseMany when only "
        "split money was due."
    )
    tx_hashes: list[str] = Field(
        default_factory=list, description="Every transaction sent, in order."
    )
    idempotency_key: str


class ClaimCalldata(BaseModel):
    transactions: list[PreparedTransaction] = Field(
        description="Send in order from any wallet: one settlement claim paying you (`claim` or "
        "`claimMany`), then a releaseMany only when splits hold money for you."
    )
