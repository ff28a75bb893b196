"""Request and response bodies of the tracks routes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.types import Bytes32Hex, EthAddress

SCALE = 1_000_000
MAX_RECIPIENTS = 200
ISRC_PATTERN = r"^[A-Z]{2}-?[A-Z0-9]{3}-?[0-9]{2}-?[0-9]{5}$"


class AiDisclosure(StrEnum):
    HUMAN = "human"
    AI_ASSISTED = "ai_assisted"
    AI_GENERATED = "ai_generated"


class ContributorShare(BaseModel):
    address: EthAddress
    share: int = Field(gt=0, le=SCALE, description="Parts of 1,000,000.", examples=[600_000])
    role: str = Field(
        default="artist", min_length=1, max_length=50, examples=["artist", "dataset", "model_owner"]
    )


class TrackMetadata(BaseModel):
    title: str = Field(min_length=1, max_length=300, examples=["Neon Rain"])
    isrc: str | None = Field(
        default=None,
        pattern=ISRC_PATTERN,
        description="CC-XXX-YY-NNNNN",
        examples=["US-S1Z-26-00001"],
    )
    ai_disclosure: AiDisclosure = Field(examples=["ai_assisted"])
    model_name: str | None = Field(default=None, max_length=200, examples=["musicgen-large"])
    dataset_attribution: str | None = Field(default=None, max_length=2000)
    content_hash: Bytes32Hex = Field(description="keccak256 of the audio file.")

    @model_validator(mode="after")
    def _model_named_for_ai(self) -> TrackMetadata:
        if self.ai_disclosure is not AiDisclosure.HUMAN and not self.model_name:
            raise ValueError("model_name: required when ai_disclosure is not 'human'")
        return self


class TrackCreate(TrackMetadata):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "controller": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                    "title": "Neon Rain",
                    "isrc": "US-S1Z-26-00001",
                    "ai_disclosure": "ai_assisted",
                    "model_name": "musicgen-large",
                    "content_hash": "0x" + "ab" * 32,
                    "tier": 5,
                    "ai_consent_mask": 16,
                    "contributors": [
                        {"address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "share": 700000},
                        {"address": "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "share": 300000},
                    ],
                }
            ]
        }
    )

    controller: EthAddress
    tier: int = Field(ge=1, le=6, description="Licence tier 1-6.")
    ai_consent_mask: int = Field(
        default=0, ge=0, le=0x30, description="Bits 4 (AI_GENERATION) and 5 (AI_REMIX) only."
    )
    contributors: list[ContributorShare] = Field(min_length=1, max_length=MAX_RECIPIENTS)
    settle_to_split: bool = Field(
        default=False,
        description="TrackRegistry settleToSplit (immutable): settlement pays the track's split "
        "itself (one leaf for the split, released from it on chain) instead of flattening to the "
        "contributors. For a split that is meant to be held as one account (a label, a remix "
        "original's split).",
    )

    @model_validator(mode="after")
    def _check_split(self) -> TrackCreate:
        if self.ai_consent_mask & ~0x30:
            raise ValueError("ai_consent_mask: only bits 4 and 5 (AI classes) may be set")
        total = sum(c.share for c in self.contributors)
        if total != SCALE:
            raise ValueError(f"contributors: shares sum to {total}, must be exactly {SCALE}")
        seen: set[str] = set()
        for c in self.contributors:
            if c.address in seen:
                raise ValueError(f"contributors: {c.address} is listed twice")
            seen.add(c.address)
        return self


class TrackOut(BaseModel):
    track_id: int
    split_address: str
    controller: str
    title: str
    isrc: str | None
    ai_disclosure: AiDisclosure
    model_name: str | None
    dataset_attribution: str | None
    content_hash: str
    metadata_hash: str = Field(description="keccak256 of the canonical metadata; stored on chain.")
    tier: int
    ai_consent_mask: int
    settle_to_split: bool = False
    registered_tx: str
    created_at: datetime
    contributors: list[ContributorShare]


class TierChange(BaseModel):
    tier: int = Field(ge=1, le=6)


class ConsentChange(BaseModel):
    usage_class: int = Field(ge=0, le=5, description="0 STREAM ... 5 AI_REMIX")
    granted: bool
    effective_at: int = Field(
        default=0, ge=0, lt=2**64, description="Unix seconds; opt-outs take effect from here."
    )


class PreparedTransaction(BaseModel):
    to: str
    data: str
    value: str = Field(default="0", description="Wei, decimal string.")
    chain_id: int


class ChainAction(BaseModel):
    """Either sent by the API (tx_hash set) or returned for the caller's wallet to sign."""

    tx_hash: str | None = None
    transaction: PreparedTransaction | None = None
