"""The launcher's one settings class: plain environment variable names (RPC_URL, API_PORT...).

Built in the entry point and passed in; the launcher maps it onto ApiSettings and
OracleSettings for the child processes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.db.engine import normalize_url


class LauncherSettingsError(ValueError):
    """The launcher configuration is inconsistent."""


class LauncherSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    environment: Literal["development", "production"] = Field(
        default="development",
        description="development: anvil's public test keys; production: encrypted keystores.",
    )
    data_dir: Path = Field(default=Path("data"), description="Database, chain state, reports.")
    rpc_url: str | None = Field(
        default=None, description="EVM JSON-RPC endpoint; unset = start anvil (state in data/)."
    )
    anvil_port: int = Field(default=8545, ge=1, le=65535, description="Port of the local anvil.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset = sqlite:///<data_dir>/royalties.db."
    )
    api_host: str = Field(default="127.0.0.1", description="Interface the API listens on.")
    api_port: int = Field(default=8000, ge=1, le=65535)
    epoch_interval: int = Field(default=60, ge=1, description="Seconds between oracle epochs.")
    oracle_nodes: bool = Field(
        default=True,
        description="Run each signer as its own node process (own store); false = one worker.",
    )
    oracle_node_port: int = Field(
        default=8701, ge=1, le=65000, description="First port of the nodes' peer interface."
    )
    oracle_node_database_urls: str = Field(
        default="",
        description="Comma-separated store URL per node (default: data/nodes/node-N/oracle.db).",
    )
    oracle_threshold: int = Field(default=2, ge=1, le=32, description="Signatures per root (k).")
    oracle_signers: int = Field(
        default=3, ge=1, le=32, description="Development: number of oracle signer keys (n)."
    )
    root_delay: int = Field(
        default=0, ge=0, description="Seconds a posted root waits (guardian may revoke)."
    )
    confirmations: int | None = Field(
        default=None, ge=0, description="Blocks to wait per transaction (0 local, 2 otherwise)."
    )
    indexer_interval: float = Field(default=2.0, gt=0, description="Seconds between syncs.")
    admin_token: str | None = Field(default=None, description="Operator bearer token.")
    keystore_password: str | None = Field(default=None, description="Keystore password.")
    keystore_password_file: Path | None = Field(default=None, description="File holding it.")
    operator_keystore: Path | None = Field(default=None, description="Owner/operator key.")
    oracle_keystore: Path | None = Field(default=None, description="This oracle node's key.")
    oracle_peer_keystores: str = Field(
        default="", description="Comma-separated keystores of co-signing nodes (k > 1)."
    )
    minter_keystore: Path | None = Field(default=None, description="Editions minter key.")
    relayer_keystore: Path | None = Field(default=None, description="Gasless-claim relayer key.")
    guardian_address: str | None = Field(
        default=None, description="Production: the guardian who may revoke a pending root."
    )
    oracle_signer_addresses: str = Field(
        default="",
        description="Production deploy: comma-separated signer set (default: the node keys).",
    )

    @model_validator(mode="after")
    def _check(self) -> LauncherSettings:
        if self.environment == "production" and not self.admin_token:
            raise LauncherSettingsError(
                "ADMIN_TOKEN: required outside development (a long random value)"
            )
        if self.environment == "development" and self.oracle_threshold > self.oracle_signers:
            raise LauncherSettingsError(
                f"ORACLE_THRESHOLD={self.oracle_threshold} exceeds "
                f"ORACLE_SIGNERS={self.oracle_signers}"
            )
        return self

    @property
    def data_path(self) -> Path:
        return self.data_dir.resolve()

    @property
    def resolved_database_url(self) -> str:
        """The URL both the API and the oracle use (postgresql:// means psycopg 3)."""
        if self.database_url:
            return normalize_url(self.database_url)
        return f"sqlite:///{self.data_path / 'royalties.db'}"

    @property
    def deployment_file(self) -> Path:
        return self.data_path / "deployment.json"

    @property
    def anvil_state_file(self) -> Path:
        return self.data_path / "anvil-state.json"

    @property
    def api_url(self) -> str:
        host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::") else self.api_host
        return f"http://{host}:{self.api_port}"
