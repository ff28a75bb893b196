"""Request and response bodies of the platforms routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.types import Amount, EthAddress

NATIVE_TOKEN = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"


class PlatformOnboard(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "StreamCo",
                    "payer": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
                    "signing_address": "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
                    "token": NATIVE_TOKEN,
                    "rates": ["4000000000000", "0", "0", "0", "2000000000000", "0"],
                    "declared_max_units_per_report": 10_000_000,
                }
            ]
        }
    )

    name: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f]+$")
    payer: EthAddress = Field(description="Funds the escrow and may withdraw it.")
    signing_address: EthAddress = Field(description="Signs the platform's usage reports (EIP-712).")
    token: EthAddress = Field(description=f"ERC-20 address, or {NATIVE_TOKEN} for ETH.")
    rates: list[Amount] = Field(
        min_length=6,
        max_length=6,
        description="Token base units per unit x 1e6, per usage class 0..5.",
    )
    declared_max_units_per_report: int | None = Field(
        default=None, ge=1, lt=2**63, description="Sanity bound on one report's total units."
    )


class PlatformOut(BaseModel):
    platform_id: int
    name: str
    payer: str
    signing_address: str
    token: str
    declared_max_units_per_report: int | None
    registered_tx: str
    created_at: datetime


class PlatformOnboarded(BaseModel):
    platform: PlatformOut
    api_key: str = Field(description="Shown once; store it. Sent as `Authorization: Bearer`.")


class PlatformBalance(BaseModel):
    platform_id: int
    token: str
    rates: list[Amount]
    escrow: Amount = Field(description="Held in UsageSettlement for this platform now.")
    owed: Amount = Field(
        description="Accepted usage not yet debited: what the next epochs will take from escrow."
    )
    shortfall: Amount = Field(description="max(0, owed - escrow): what must be deposited.")
