"""Settings of one oracle node process (`royalties oracle node`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from oracle.settings import OracleSettings


class PeerConfig(BaseModel):
    """Another node: where it listens and the signer address it signs with."""

    name: str
    url: str
    address: str


class NodeSettings(BaseSettings):
    """One node. Environment variables have the prefix ``ROYALTIES_NODE_``; `up` passes them on
    stdin instead so the key is never in argv or the environment."""

    model_config = SettingsConfigDict(env_prefix="ROYALTIES_NODE_", extra="ignore")

    name: str = Field(default="node-1", description="Shown to peers and in status.")
    key: str | None = Field(
        default=None, description="This node's signing key (hex); none = observer (never signs)."
    )
    poster_key: str | None = Field(
        default=None, description="Key that pays for post() (default: the signing key)."
    )
    database_url: str = Field(
        default="sqlite:///data/node-1/oracle.db",
        description="This node's own store (SQLite by default, PostgreSQL by URL).",
    )
    data_dir: Path = Field(
        default=Path("data/node-1"),
        description="This node's raw reports, statements, cuts and epoch data files.",
    )
    host: str = Field(default="127.0.0.1", description="Interface of the peer HTTP interface.")
    port: int = Field(default=8701, ge=0, le=65535)
    rpc_url: str = Field(default="http://127.0.0.1:8545")
    chain_id: int = Field(default=31337)
    settlement_address: str | None = Field(default=None)
    deployment_file: Path = Field(default=Path("data/deployment.json"))
    from_block: int = Field(default=0, description="Block to read RootPosted events from.")
    peers: list[PeerConfig] = Field(default_factory=list)
    operator_addresses: list[str] = Field(
        default_factory=list, description="Operators whose signed statements this node accepts."
    )
    epoch_interval_seconds: float = Field(
        default=60.0, description="Time after a posted epoch before the next round opens."
    )
    round_timeout_seconds: float = Field(
        default=20.0, description="A leader that has not posted by then is replaced by the next."
    )
    tick_seconds: float = Field(default=1.0, gt=0)
    http_timeout_seconds: float = Field(default=3.0, gt=0)
    sync_every_ticks: int = Field(
        default=5, ge=1, description="Ticks between report/statement anti-entropy with peers."
    )
    confirmations: int = Field(default=0, ge=0)
    relay_operator_key: str | None = Field(
        default=None,
        description="Observer on the API's store: hand its reports, catalog and decisions to "
        "relay_node_urls, signing statements with this operator key.",
    )
    relay_node_urls: list[str] = Field(default_factory=list)

    @property
    def observer(self) -> bool:
        return not self.key

    def oracle_settings(self) -> OracleSettings:
        """The intake/epoch settings of this node's own store."""
        return OracleSettings(
            database_url=self.database_url,
            data_dir=self.data_dir,
            rpc_url=self.rpc_url,
            chain_id=self.chain_id,
            deployment_file=self.deployment_file,
            node_key=self.key,
            poster_key=self.poster_key,
            settlement_address=self.settlement_address,
            confirmations=self.confirmations,
        )
