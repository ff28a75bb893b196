"""Request and response bodies of the editions routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from api.tracks.schemas import ChainAction, PreparedTransaction
from api.types import Amount, EthAddress

UINT64_MAX = 2**64 - 1


class EditionCreate(BaseModel):
    track_id: int = Field(ge=1, le=2**63 - 1)
    token: EthAddress = Field(description="ERC-20, or 0xEeee...EEeE for ETH.")
    price: Amount = Field(description="Per token, base units.")
    max_supply: int = Field(ge=1, le=2**63 - 1)
    sale_start: int = Field(ge=0, le=UINT64_MAX, description="Unix seconds.")
    sale_end: int = Field(default=0, ge=0, le=UINT64_MAX, description="Unix seconds; 0 = no end.")
    per_wallet_cap: int = Field(default=0, ge=0, le=2**63 - 1, description="0 = no cap.")
    royalty_bps: int = Field(default=500, ge=0, le=10_000, description="EIP-2981, to the split.")

    @model_validator(mode="after")
    def _window(self) -> EditionCreate:
        if self.sale_end and self.sale_end < self.sale_start:
            raise ValueError("sale_end: must be 0 or at or after sale_start")
        return self


class EditionOut(BaseModel):
    edition_id: int
    track_id: int
    token: str
    price: Amount
    max_supply: int
    supply_left: int | None = Field(description="From the chain; null when it cannot be read.")
    sale_start: int
    sale_end: int
    per_wallet_cap: int
    royalty_bps: int
    created_tx: str
    created_at: datetime


class EditionCreated(ChainAction):
    edition: EditionOut | None = None


class PurchaseRequest(BaseModel):
    buyer: EthAddress
    quantity: int = Field(ge=1, le=1_000_000)


class PurchaseTransactions(BaseModel):
    amount: Amount = Field(description="price x quantity, in the edition's token.")
    transactions: list[PreparedTransaction] = Field(
        description="Sign and send in order: an ERC-20 approve first when needed, then purchase."
    )


class MintRequest(BaseModel):
    order_id: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$", examples=["shop-order-1042"]
    )
    to: EthAddress
    quantity: int = Field(ge=1, le=1_000_000)


class MintOut(BaseModel):
    order_id: str
    edition_id: int
    to: str
    quantity: int
    tx_hash: str
