"""API configuration: one settings class, built by the caller and passed to `create_app`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_ADMIN_TOKEN = "dev-admin-token-change-me"

# anvil's well-known account #0; development only (never a real key).
ANVIL_DEV_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


class SettingsError(ValueError):
    """The API settings are inconsistent or unsafe for the chosen environment."""


class ApiSettings(BaseSettings):
    """Everything the API needs. Environment variables are prefixed ``ROYALTIES_API_``."""

    model_config = SettingsConfigDict(env_prefix="ROYALTIES_API_", extra="ignore")

    environment: Literal["development", "test", "production"] = Field(
        default="development", description="Unsafe defaults are refused outside development."
    )
    database_url: str = Field(
        default="sqlite:///data/royalties.db",
        description="SQLAlchemy URL, SQLite or PostgreSQL (shared with the oracle).",
    )
    data_dir: Path = Field(default=Path("data"), description="Oracle data directory.")
    rpc_url: str = Field(default="http://127.0.0.1:8545", description="EVM JSON-RPC endpoint.")
    chain_id: int = Field(
        default=31337, description="Chain id SIWE messages and reports are bound to."
    )
    deployment_file: Path = Field(
        default=Path("data/deployment.json"),
        description="Contract addresses (chain_client.deploy).",
    )
    admin_token: str = Field(
        default=DEVELOPMENT_ADMIN_TOKEN, min_length=16, description="Operator bearer token."
    )
    siwe_domain: str = Field(
        default="localhost:8000", description="Domain SIWE messages must name."
    )
    siwe_uri: str = Field(
        default="http://localhost:8000", description="URI SIWE messages must name."
    )
    nonce_ttl_seconds: int = Field(default=600, gt=0)
    session_ttl_seconds: int = Field(default=86_400, gt=0)
    operator_key: str | None = Field(
        default=None,
        description="Key of the contracts' owner/minter that sends operator transactions.",
    )
    minter_key: str | None = Field(
        default=None,
        description="Key holding TrackEditions' MINTER_ROLE (defaults to operator_key).",
    )
    relayer_key: str | None = Field(
        default=None, description="Key that relays contributors' claims (pays their gas)."
    )
    claim_rate_limit: int = Field(
        default=5, gt=0, description="Relayed claims allowed per contributor per window."
    )
    claim_rate_window_seconds: int = Field(default=3600, gt=0)
    claim_pending_timeout_seconds: int = Field(
        default=600,
        gt=0,
        description="A relayed claim still pending after this long lost its request (the API "
        "stopped mid-way): the contributor's next claim marks it failed.",
    )
    confirmations: int = Field(default=0, ge=0)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_request_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Size cap of any other request body (413 before it is read or parsed).",
    )
    max_json_report_bytes: int = Field(
        default=16 * 1024 * 1024, gt=0, description="Size cap of a JSON report body."
    )
    async_report_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        description="Reports larger than this are decided in the background: 202 + status URL.",
    )
    async_report_lines: int = Field(
        default=100_000,
        gt=0,
        description="CSV and DSR reports of more lines than this are decided in the background "
        "too (202 + status URL), whatever their size (a gzip DSR counted decompressed).",
    )
    oracle_node_urls: list[str] = Field(
        default_factory=list, description="Peer URLs of the oracle nodes (GET /v1/oracle/nodes)."
    )

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> ApiSettings:
        if self.environment != "development":
            if self.admin_token == DEVELOPMENT_ADMIN_TOKEN:
                raise SettingsError(
                    "admin_token: set ROYALTIES_API_ADMIN_TOKEN; the development default is "
                    f"refused when environment={self.environment}"
                )
        if self.environment == "production":
            for name in ("operator_key", "minter_key", "relayer_key"):
                if getattr(self, name) == ANVIL_DEV_KEY_0:
                    raise SettingsError(f"{name}: anvil's public dev key is refused in production")
        return self
