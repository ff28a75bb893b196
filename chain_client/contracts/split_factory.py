"""SplitFactory: create TrackSplit clones, predict their addresses, release from many splits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_typing import ChecksumAddress, HexStr
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
from chain_client.errors import ChainClientError
from chain_client.merkle import recipients_root


@dataclass(frozen=True)
class ReleaseRequest:
    split: str
    token: str
    share: int
    proof: Sequence[bytes]

    def as_abi_tuple(self) -> tuple[ChecksumAddress, ChecksumAddress, int, list[bytes]]:
        return (checksum(self.split), checksum(self.token), self.share, list(self.proof))


@dataclass(frozen=True)
class SplitRecipients:
    recipients: tuple[ChecksumAddress, ...]
    shares: tuple[int, ...]


@dataclass(frozen=True)
class CreatedSplit:
    """A SplitCreated event, with the recipient list it carries (unpacked)."""

    split: ChecksumAddress
    creator: ChecksumAddress
    recipients_root: bytes
    recipients: tuple[ChecksumAddress, ...]
    shares: tuple[int, ...]

    @property
    def recipient_count(self) -> int:
        return len(self.recipients)

    def split_recipients(self) -> SplitRecipients:
        return SplitRecipients(self.recipients, self.shares)


ADDRESS_MASK = (1 << 160) - 1


def unpack_recipients(packed: Sequence[int]) -> SplitRecipients:
    """SplitCreated's `recipients` words: `(share << 160) | account`, in tree order."""
    return SplitRecipients(
        tuple(checksum(f"0x{word & ADDRESS_MASK:040x}") for word in packed),
        tuple(int(word) >> 160 for word in packed),
    )


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

    def split_recipients(
        self, split: str, from_block: int = 0, to_block: int | str = "latest"
    ) -> SplitRecipients:
        """A split's recipients and shares from its SplitCreated log alone (any creation path).

        The list is checked against the split's on-chain recipientsRoot before it is returned."""
        events = self.events(
            "SplitCreated", from_block, to_block, argument_filters={"split": checksum(split)}
        )
        if not events:
            raise ChainClientError(f"no SplitCreated event for {split} from block {from_block}")
        created = _created(events[0])
        root_on_chain = bytes(
            self.w3.eth.call({"to": created.split, "data": _RECIPIENTS_ROOT_SELECTOR})
        )
        listed = recipients_root(created.recipients, created.shares)
        if root_on_chain != listed or created.recipients_root != listed:
            raise ChainClientError(
                f"the SplitCreated list of {split} does not match its recipientsRoot "
                f"0x{root_on_chain.hex()}"
            )
        return created.split_recipients()

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


_RECIPIENTS_ROOT_SELECTOR = HexStr("0x" + keccak(text="recipientsRoot()")[:4].hex())


def _created(event: DecodedEvent) -> CreatedSplit:
    args = event.args
    listed = unpack_recipients([int(w) for w in args["recipients"]])
    return CreatedSplit(
        split=checksum(args["split"]),
        creator=checksum(args["creator"]),
        recipients_root=bytes(args["recipientsRoot"]),
        recipients=listed.recipients,
        shares=listed.shares,
    )
