"""TrackSplit: a track's hash-stored pull splitter (release, releasable, accounting views)."""

from __future__ import annotations

from collections.abc import Sequence

from eth_typing import ChecksumAddress
from web3.types import TxReceipt

from chain_client.contracts._base import Calldata, ContractClient, DecodedEvent, checksum
from chain_client.merkle import recipient_share, recipients_proof


class TrackSplitClient(ContractClient):
    CONTRACT_NAME = "TrackSplit"

    # ---- reads ----
    def recipients_root(self) -> bytes:
        return bytes(self._call("recipientsRoot"))

    def recipient_count(self) -> int:
        return int(self._call("recipientCount"))

    def factory(self) -> ChecksumAddress:
        return checksum(self._call("factory"))

    def released(self, token: str, account: str) -> int:
        return int(self._call("released", checksum(token), checksum(account)))

    def total_released(self, token: str) -> int:
        return int(self._call("totalReleased", checksum(token)))

    def total_received(self, token: str) -> int:
        return int(self._call("totalReceived", checksum(token)))

    def releasable(self, token: str, account: str, share: int, proof: Sequence[bytes]) -> int:
        return int(self._call("releasable", checksum(token), checksum(account), share, list(proof)))

    def releasable_for(
        self, token: str, account: str, recipients: Sequence[str], shares: Sequence[int]
    ) -> int:
        """releasable() with the share and proof computed from the full recipient list."""
        share = recipient_share(recipients, shares, account)
        return self.releasable(token, account, share, recipients_proof(recipients, shares, account))

    # ---- writes ----
    def release(self, token: str, account: str, share: int, proof: Sequence[bytes]) -> TxReceipt:
        return self._transact("release", checksum(token), checksum(account), share, list(proof))

    def release_for(
        self, token: str, account: str, recipients: Sequence[str], shares: Sequence[int]
    ) -> TxReceipt:
        share = recipient_share(recipients, shares, account)
        return self.release(token, account, share, recipients_proof(recipients, shares, account))

    def release_calldata(
        self, token: str, account: str, share: int, proof: Sequence[bytes]
    ) -> Calldata:
        return self.calldata("release", checksum(token), checksum(account), share, list(proof))

    # ---- events ----
    def released_events(
        self, from_block: int, to_block: int | str = "latest", *, account: str | None = None
    ) -> list[DecodedEvent]:
        filters = {"account": checksum(account)} if account else None
        return self.events("Released", from_block, to_block, argument_filters=filters)
