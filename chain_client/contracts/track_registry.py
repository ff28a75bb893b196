"""TrackRegistry: tracks, their splits, licence tiers, consent windows and metadata hashes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_typing import ChecksumAddress
from web3.types import TxReceipt

from chain_client.contracts._base import (
    Calldata,
    ContractClient,
    DecodedEvent,
    checksum,
    checksums,
    to_bytes32,
)
from chain_client.contracts.split_factory import SplitRecipients
from chain_client.errors import ChainClientError


@dataclass(frozen=True)
class TrackInfo:
    split: ChecksumAddress
    controller: ChecksumAddress
    tier: int
    metadata_hash: bytes
    registered_at: int


@dataclass(frozen=True)
class ConsentWindow:
    """Timestamps of the current grant and revocation of one usage class (0 = never)."""

    granted_at: int
    revoked_at: int


@dataclass(frozen=True)
class RegisteredTrack:
    track_id: int
    split: ChecksumAddress
    controller: ChecksumAddress
    tier: int
    metadata_hash: bytes


class TrackRegistryClient(ContractClient):
    CONTRACT_NAME = "TrackRegistry"

    # ---- reads ----
    def track(self, track_id: int) -> TrackInfo:
        split, controller, tier, metadata_hash, registered_at = self._call("track", track_id)
        return TrackInfo(
            split=checksum(split),
            controller=checksum(controller),
            tier=int(tier),
            metadata_hash=bytes(metadata_hash),
            registered_at=int(registered_at),
        )

    def consent(self, track_id: int, usage_class: int) -> ConsentWindow:
        granted_at, revoked_at = self._call("consent", track_id, usage_class)
        return ConsentWindow(int(granted_at), int(revoked_at))

    def is_usage_allowed(self, track_id: int, usage_class: int, timestamp: int) -> bool:
        return bool(self._call("isUsageAllowed", track_id, usage_class, timestamp))

    def track_of_split(self, split: str) -> int:
        return int(self._call("trackOfSplit", checksum(split)))

    def track_count(self) -> int:
        return int(self._call("trackCount"))

    def tier_mask(self, tier: int) -> int:
        return int(self._call("tierMask", tier))

    def split_factory(self) -> ChecksumAddress:
        return checksum(self._call("splitFactory"))

    # ---- writes ----
    def register_track(
        self,
        controller: str,
        recipients: Sequence[str],
        shares: Sequence[int],
        tier: int,
        ai_consent_mask: int = 0,
        metadata_hash: bytes | int = 0,
    ) -> TxReceipt:
        return self._transact(
            "registerTrack",
            *self._register_args(
                controller, recipients, shares, tier, ai_consent_mask, metadata_hash
            ),
        )

    def register_track_calldata(
        self,
        controller: str,
        recipients: Sequence[str],
        shares: Sequence[int],
        tier: int,
        ai_consent_mask: int = 0,
        metadata_hash: bytes | int = 0,
    ) -> Calldata:
        return self.calldata(
            "registerTrack",
            *self._register_args(
                controller, recipients, shares, tier, ai_consent_mask, metadata_hash
            ),
        )

    @staticmethod
    def _register_args(
        controller: str,
        recipients: Sequence[str],
        shares: Sequence[int],
        tier: int,
        ai_consent_mask: int,
        metadata_hash: bytes | int,
    ) -> tuple[object, ...]:
        return (
            checksum(controller),
            checksums(recipients),
            list(shares),
            tier,
            ai_consent_mask,
            to_bytes32(metadata_hash),
        )

    def set_tier(self, track_id: int, tier: int) -> TxReceipt:
        return self._transact("setTier", track_id, tier)

    def set_consent(
        self, track_id: int, usage_class: int, granted: bool, effective_at: int = 0
    ) -> TxReceipt:
        return self._transact("setConsent", track_id, usage_class, granted, effective_at)

    def set_metadata_hash(self, track_id: int, metadata_hash: bytes | int) -> TxReceipt:
        return self._transact("setMetadataHash", track_id, to_bytes32(metadata_hash))

    def transfer_control(self, track_id: int, new_controller: str) -> TxReceipt:
        return self._transact("transferControl", track_id, checksum(new_controller))

    # ---- events ----
    def registered_track(self, receipt: TxReceipt) -> RegisteredTrack:
        """The track a registerTrack transaction created."""
        events = self.events_in_receipt(receipt, "TrackRegistered")
        if not events:
            raise ChainClientError("the receipt has no TrackRegistered event")
        return _registered(events[0])

    def recipients_from_tx(self, tx_hash: str | bytes) -> SplitRecipients:
        """The split recipients and shares of a direct registerTrack transaction, from calldata."""
        params = self.decode_call(tx_hash, "registerTrack")
        return SplitRecipients(
            tuple(checksum(a) for a in params["recipients"]),
            tuple(int(x) for x in params["shares"]),
        )

    def track_registered_events(
        self, from_block: int, to_block: int | str = "latest"
    ) -> list[RegisteredTrack]:
        return [_registered(e) for e in self.events("TrackRegistered", from_block, to_block)]

    def consent_changed_events(
        self, from_block: int, to_block: int | str = "latest", *, track_id: int | None = None
    ) -> list[DecodedEvent]:
        filters = {"trackId": track_id} if track_id is not None else None
        return self.events("ConsentChanged", from_block, to_block, argument_filters=filters)


def _registered(event: DecodedEvent) -> RegisteredTrack:
    args = event.args
    return RegisteredTrack(
        track_id=int(args["trackId"]),
        split=checksum(args["split"]),
        controller=checksum(args["controller"]),
        tier=int(args["tier"]),
        metadata_hash=bytes(args["metadataHash"]),
    )
