"""SplitFactory: create TrackSplit clones, predict their addresses, release from many splits."""

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
from chain_client.errors import ChainClientError


@dataclass(frozen=True)
class ReleaseRequest:
    split: str
    token: str
    share: int
    proof: Sequence[bytes]

    def as_abi_tuple(self) -> tuple[ChecksumAddress, ChecksumAddress, int, list[bytes]]:
        return (checksum(self.split), checksum(self.token), self.share, list(self.proof))


@dataclass(frozen=True)
class CreatedSplit:
    """A SplitCreated event. The recipient list is not logged (gas): see recipients_from_tx."""

    split: ChecksumAddress
    creator: ChecksumAddress
    recipients_root: bytes
    recipient_count: int


@dataclass(frozen=True)
class SplitRecipients:
    recipients: tuple[ChecksumAddress, ...]
    shares: tuple[int, ...]


class SplitFactoryClient(ContractClient):
    CONTRACT_NAME = "SplitFactory"

    # ---- reads ----
    def implementation(self) -> ChecksumAddress:
        return checksum(self._call("implementation"))

    def is_split(self, split: str) -> bool:
        return bool(self._call("isSplit", checksum(split)))

    def recipients_root(self, recipients: Sequence[str], shares: Sequence[int]) -> bytes:
        return bytes(self._call("recipientsRoot", checksums(recipients), list(shares)))

    def predict_split_address(
        self, creator: str, recipients: Sequence[str], shares: Sequence[int], salt: bytes | int
    ) -> ChecksumAddress:
        return checksum(
            self._call(
                "predictSplitAddress",
                checksum(creator),
                checksums(recipients),
                list(shares),
                to_bytes32(salt),
            )
        )

    # ---- writes ----
    def create_split(
        self, recipients: Sequence[str], shares: Sequence[int], salt: bytes | int = 0
    ) -> TxReceipt:
        return self._transact("createSplit", checksums(recipients), list(shares), to_bytes32(salt))

    def create_split_calldata(
        self, recipients: Sequence[str], shares: Sequence[int], salt: bytes | int = 0
    ) -> Calldata:
        return self.calldata("createSplit", checksums(recipients), list(shares), to_bytes32(salt))

    def release_many(self, requests: Sequence[ReleaseRequest], account: str) -> TxReceipt:
        return self._transact(
            "releaseMany", [r.as_abi_tuple() for r in requests], checksum(account)
        )

    def release_many_calldata(self, requests: Sequence[ReleaseRequest], account: str) -> Calldata:
        return self.calldata("releaseMany", [r.as_abi_tuple() for r in requests], checksum(account))

    # ---- events ----
    def created_split(self, receipt: TxReceipt) -> CreatedSplit:
        """The split a createSplit (or registerTrack) transaction made."""
        events = self.events_in_receipt(receipt, "SplitCreated")
        if not events:
            raise ChainClientError("the receipt has no SplitCreated event")
        return _created(events[0])

    def recipients_from_tx(self, tx_hash: str | bytes) -> SplitRecipients:
        """The recipients and shares of a direct createSplit transaction, from its calldata.

        Check them against the split's recipientsRoot before building proofs from them."""
        params = self.decode_call(tx_hash, "createSplit")
        return SplitRecipients(
            tuple(checksum(a) for a in params["recipients"]),
            tuple(int(x) for x in params["shares"]),
        )

    def split_created_events(
        self, from_block: int, to_block: int | str = "latest"
    ) -> list[CreatedSplit]:
        return [_created(e) for e in self.events("SplitCreated", from_block, to_block)]


def _created(event: DecodedEvent) -> CreatedSplit:
    args = event.args
    return CreatedSplit(
        split=checksum(args["split"]),
        creator=checksum(args["creator"]),
        recipients_root=bytes(args["recipientsRoot"]),
        recipient_count=int(args["recipientCount"]),
    )
