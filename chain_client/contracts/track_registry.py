"""TrackRegistry: tracks, splits, licence tiers (with history), consent windows, metadata hashes.

Who may register: the controller itself, or an account holding REGISTRAR_ROLE (the API's operator
key; the registry's admin grants it). A track's split address is fixed by (registry, controller,
salt, recipients); `register_track` derives the salt when none is given (see `registration_salt`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_typing import ChecksumAddress
from eth_utils.crypto import keccak
from web3.types import TxReceipt

from chain_client.contracts._base import (
    Calldata,
    ContractClient,
    DecodedEvent,
    checksum,
    checksums,
    to_bytes32,
)
from chain_client.contracts.split_factory import SplitFactoryClient, SplitRecipients
from chain_client.errors import ChainClientError


@dataclass(frozen=True)
class TrackInfo:
    split: ChecksumAddress
    controller: ChecksumAddress
    tier: int
    metadata_hash: bytes
    registered_at: int
    settle_to_split: bool = False


@dataclass(frozen=True)
class TierChange:
    """`tier` is in force from `effective_from` until the next change."""

    effective_from: int
    tier: int


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
    salt: bytes = b"\x00" * 32
    settle_to_split: bool = False


#: keccak256("REGISTRAR_ROLE"), the role that registers tracks for any controller.
REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")


def registration_salt(controller: str, metadata_hash: bytes | int, counter: int) -> bytes:
    """The default registration salt: keccak256(abi.encode(metadataHash, controller, counter)).

    `register_track` uses the registry's trackCount() as the counter when no salt is given, so
    repeated registrations by one sender never collide; pass your own salt (or counter) to know the
    split address before sending (TrackRegistryClient.predict_split_address)."""
    return keccak(
        encode(
            ["bytes32", "address", "uint256"],
            [to_bytes32(metadata_hash), checksum(controller), counter],
        )
    )


class TrackRegistryClient(ContractClient):
    CONTRACT_NAME = "TrackRegistry"

    # ---- reads ----
    def track(self, track_id: int) -> TrackInfo:
        split, controller, tier, metadata_hash, registered_at, settle = self._call(
            "track", track_id
        )
        return TrackInfo(
            split=checksum(split),
            controller=checksum(controller),
            tier=int(tier),
            metadata_hash=bytes(metadata_hash),
            registered_at=int(registered_at),
            settle_to_split=bool(settle),
        )

    def tier_at(self, track_id: int, timestamp: int) -> int:
        """The licence tier in force at `timestamp` (0 before registration)."""
        return int(self._call("tierAt", track_id, timestamp))

    def tier_history(self, track_id: int) -> tuple[int, list[TierChange]]:
        """(tier at registration, every change since in order; future ones are pending)."""
        initial, changes = self._call("tierHistory", track_id)
        return int(initial), [TierChange(int(c[0]), int(c[1])) for c in changes]

    def predict_split_address(
        self, controller: str, recipients: Sequence[str], shares: Sequence[int], salt: bytes | int
    ) -> ChecksumAddress:
        return checksum(
            self._call(
                "predictSplitAddress",
                checksum(controller),
                checksums(recipients),
                list(shares),
                to_bytes32(salt),
            )
        )

    def is_registrar(self, account: str) -> bool:
        return bool(self._call("hasRole", REGISTRAR_ROLE, checksum(account)))

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
        salt: bytes | int | None = None,
        settle_to_split: bool = False,
    ) -> TxReceipt:
        """Registers a track; `salt` defaults to registration_salt(controller, metadata_hash,
        trackCount()). Only the controller itself or a registrar may send it."""
        return self._transact(
            "registerTrack",
            *self._register_args(
                controller,
                recipients,
                shares,
                tier,
                ai_consent_mask,
                metadata_hash,
                salt,
                settle_to_split,
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
        salt: bytes | int | None = None,
        settle_to_split: bool = False,
    ) -> Calldata:
        return self.calldata(
            "registerTrack",
            *self._register_args(
                controller,
                recipients,
                shares,
                tier,
                ai_consent_mask,
                metadata_hash,
                salt,
                settle_to_split,
            ),
        )

    def _register_args(
        self,
        controller: str,
        recipients: Sequence[str],
        shares: Sequence[int],
        tier: int,
        ai_consent_mask: int,
        metadata_hash: bytes | int,
        salt: bytes | int | None,
        settle_to_split: bool,
    ) -> tuple[object, ...]:
        if salt is None:
            salt = registration_salt(controller, metadata_hash, self.track_count())
        return (
            checksum(controller),
            checksums(recipients),
            list(shares),
            tier,
            ai_consent_mask,
            to_bytes32(metadata_hash),
            to_bytes32(salt),
            settle_to_split,
        )

    def grant_registrar(self, account: str) -> TxReceipt:
        """Admin only: lets `account` register tracks for any controller."""
        return self._transact("grantRole", REGISTRAR_ROLE, checksum(account))

    def revoke_registrar(self, account: str) -> TxReceipt:
        return self._transact("revokeRole", REGISTRAR_ROLE, checksum(account))

    def set_tier(self, track_id: int, tier: int) -> TxReceipt:
        """The tier from now on; usage before now keeps the tier in force then."""
        return self._transact("setTier", track_id, tier)

    def set_tier_at(self, track_id: int, tier: int, effective_at: int = 0) -> TxReceipt:
        """Schedules `tier` from `effective_at` (>= now; 0 = now); cancels later pending changes."""
        return self._transact("setTierAt", track_id, tier, effective_at)

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

    def split_recipients(
        self, split: str, from_block: int = 0, to_block: int | str = "latest"
    ) -> SplitRecipients:
        """A track split's recipients from the factory's SplitCreated log (checked against the
        split's recipientsRoot), whatever contract sent the registration."""
        factory = SplitFactoryClient(self.w3, self.split_factory(), decoder=self.decoder)
        return factory.split_recipients(split, from_block, to_block)

    def recipients_from_tx(self, tx_hash: str | bytes) -> SplitRecipients:
        """The split recipients and shares of a direct registerTrack transaction, from calldata.

        Only for a transaction sent straight to the registry; split_recipients works for any."""
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
        salt=bytes(args["salt"]),
        settle_to_split=bool(args["settleToSplit"]),
    )
