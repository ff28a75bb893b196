"""Typed wrappers over the deployed contracts (one module per contract)."""

from chain_client.contracts._base import Calldata, ContractClient, DecodedEvent
from chain_client.contracts.erc20 import ERC20Client
from chain_client.contracts.split_factory import (
    CreatedSplit,
    ReleaseRequest,
    SplitFactoryClient,
    SplitRecipients,
)
from chain_client.contracts.track_editions import Edition, TrackEditionsClient
from chain_client.contracts.track_registry import (
    ConsentWindow,
    RegisteredTrack,
    TrackInfo,
    TrackRegistryClient,
)
from chain_client.contracts.track_split import TrackSplitClient
from chain_client.contracts.usage_settlement import (
    ChangeKind,
    ClaimRequest,
    PendingRoot,
    PendingWithdrawal,
    PlatformInfo,
    QueuedChange,
    RateCard,
    UsageSettlementClient,
)

__all__ = [
    "Calldata",
    "ChangeKind",
    "ClaimRequest",
    "ConsentWindow",
    "ContractClient",
    "CreatedSplit",
    "DecodedEvent",
    "ERC20Client",
    "Edition",
    "PendingRoot",
    "PendingWithdrawal",
    "PlatformInfo",
    "QueuedChange",
    "RateCard",
    "RegisteredTrack",
    "ReleaseRequest",
    "SplitFactoryClient",
    "SplitRecipients",
    "TrackEditionsClient",
    "TrackInfo",
    "TrackRegistryClient",
    "TrackSplitClient",
    "UsageSettlementClient",
]
