"""Oracle configuration: one settings class, built by the caller and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PeerNode(BaseModel):
    """Another oracle node that the epoch coordinator asks to recompute and sign (own store)."""

    name: str
    key: str
    database_url: str


class OracleSettings(BaseSettings):
    """Everything an oracle node needs. Environment variables have the prefix ``ROYALTIES_``."""

    model_config = SettingsConfigDict(env_prefix="ROYALTIES_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///data/royalties.db",
        description="SQLAlchemy URL of the oracle's store (SQLite or PostgreSQL).",
    )
    data_dir: Path = Field(
        default=Path("data"),
        description="Raw reports (content-addressed, append-only) and published epoch data files.",
    )
    rpc_url: str = Field(default="http://127.0.0.1:8545", description="EVM JSON-RPC endpoint.")
    chain_id: int = Field(
        default=31337, description="Chain id the reports and roots are signed for."
    )
    deployment_file: Path = Field(
        default=Path("data/deployment.json"),
        description="Contract addresses recorded by chain_client.deploy for this chain.",
    )
    node_key: str | None = Field(
        default=None,
        description="This oracle node's signing key (hex). Development only; keystores elsewhere.",
    )
    poster_key: str | None = Field(
        default=None, description="Key that sends post() transactions (any funded account)."
    )
    max_future_skew_seconds: int = Field(
        default=300,
        description="A report period ending further in the future than this is rejected.",
    )
    spike_multiple: int = Field(
        default=20,
        description="A track's usage above this multiple of its trailing average is quarantined.",
    )
    spike_min_units: int = Field(
        default=1_000,
        description="Usage below this many units per report never counts as a spike.",
    )
    spike_window: int = Field(
        default=10,
        description="Intake: how many of a platform's previous reports the trailing average spans.",
    )
    max_listed_errors: int = Field(
        default=100, description="Intake: how many validation errors a rejection lists in full."
    )
    settlement_address: str | None = Field(
        default=None,
        description="Intake: UsageSettlement address (EIP-712 verifyingContract of platform "
        "reports); read from deployment_file when unset.",
    )
    max_key_micro_units: int = Field(
        default=2**60,
        ge=1,
        le=2**60,
        description="Intake cap: micro-units of one (track, class) in one report.",
    )
    max_report_micro_units: int = Field(
        default=2**61,
        ge=1,
        le=2**61,
        description="Intake cap: micro-units of one report (payable and quarantined).",
    )
    max_platform_micro_units: int = Field(
        default=2**62,
        ge=1,
        le=2**62,
        description="Intake cap: a platform's lifetime micro-units (each report id counted at its "
        "largest version); bounds every 64-bit SQL sum of the store (docs/formats.md).",
    )
    epoch_interval_seconds: int = Field(default=60, description="Worker: time between epochs.")
    confirmations: int = Field(default=1, description="Blocks to wait after a post's receipt.")
    peer_nodes: list[PeerNode] = Field(
        default_factory=list,
        description="Epoch: other nodes asked to sign, JSON list of {name, key, database_url}.",
    )
