"""Request and response bodies of sign-in."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class NonceOut(BaseModel):
    nonce: str = Field(examples=["k3Jd9sLq0PzX2vB7"])
    domain: str = Field(
        description="Domain the SIWE message must name.", examples=["localhost:8000"]
    )
    uri: str = Field(examples=["http://localhost:8000"])
    chain_id: int = Field(examples=[31337])
    expires_at: datetime


class SiweSignIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "message": "localhost:8000 wants you to sign in with your Ethereum account:\n"
                    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8\n\nSign in.\n\n"
                    "URI: http://localhost:8000\nVersion: 1\nChain ID: 31337\n"
                    "Nonce: k3Jd9sLq0PzX2vB7\nIssued At: 2026-11-21T08:00:00Z",
                    "signature": "0x" + "ab" * 65,
                }
            ]
        }
    )

    message: str = Field(min_length=1, max_length=4000, description="The EIP-4361 message text.")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="EIP-191 signature.")


class SessionOut(BaseModel):
    token: str = Field(description="Bearer token; shown once.", examples=["rs_Jq..."])
    address: str = Field(examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"])
    expires_at: datetime


class WhoAmI(BaseModel):
    role: str = Field(examples=["wallet"])
    address: str | None = None
    platform_id: int | None = None
