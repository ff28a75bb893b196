"""TrackSplit: a track's hash-stored pull splitter (release, releasable, accounting views).

A payout that cannot be delivered (an ETH recipient that reverts, a token that refuses the
account) is held for the recipient in the split; it withdraws it to an address it chooses
(`withdraw_held`, sent by the recipient) or signs for (`withdraw_held_with_sig`, EIP-712
`WithdrawHeld`, which a relayer may submit).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from web3.types import TxReceipt

from chain_client.contracts._base import Calldata, ContractClient, DecodedEvent, checksum
from chain_client.merkle import recipient_share, recipients_proof

SPLIT_DOMAIN_NAME = "TrackSplit"
SPLIT_DOMAIN_VERSION = "1"
WITHDRAW_HELD_TYPES: dict[str, list[dict[str, str]]] = {
    "WithdrawHeld": [
        {"name": "token", "type": "address"},
        {"name": "account", "type": "address"},
        {"name": "to", "type": "address"},
        {"name": "nonce", "type": "uint256"},
        {"name": "deadline", "type": "uint256"},
    ]
}


def withdraw_held_typed_data(
    chain_id: int, split: str, token: str, account: str, to: str, nonce: int, deadline: int
) -> dict[str, Any]:
    """The EIP-712 message a recipient signs to withdraw what a split holds for it to `to`."""
    return {
        "domain": {
            "name": SPLIT_DOMAIN_NAME,
            "version": SPLIT_DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": checksum(split),
        },
        "types": WITHDRAW_HELD_TYPES,
        "primaryType": "WithdrawHeld",
        "message": {
            "token": checksum(token),
            "account": checksum(account),
            "to": checksum(to),
            "nonce": nonce,
            "deadline": deadline,
        },
    }


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

    def held(self, token: str, account: str) -> int:
        """What the split holds for `account` after payouts that could not be delivered."""
        return int(self._call("held", checksum(token), checksum(account)))

    def nonce(self, account: str) -> int:
        """The next WithdrawHeld nonce of `account`."""
        return int(self._call("nonces", checksum(account)))

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

    def withdraw_held(self, token: str, to: str) -> TxReceipt:
        """Sent by the recipient: pays everything held for it in `token` to `to`."""
        return self._transact("withdrawHeld", checksum(token), checksum(to))

    def sign_withdraw_held(
        self, signer: LocalAccount, token: str, to: str, deadline: int, nonce: int | None = None
    ) -> bytes:
        """The recipient's EIP-712 signature for withdraw_held_with_sig (nonce read if None)."""
        data = withdraw_held_typed_data(
            int(self.w3.eth.chain_id),
            self.address,
            token,
            signer.address,
            to,
            self.nonce(signer.address) if nonce is None else nonce,
            deadline,
        )
        return bytes(signer.sign_message(encode_typed_data(full_message=data)).signature)

    def withdraw_held_with_sig(
        self, token: str, account: str, to: str, deadline: int, signature: bytes
    ) -> TxReceipt:
        """Sent by anyone (a relayer): the held balance of `account` goes to `to`, as it signed."""
        return self._transact(
            "withdrawHeldWithSig",
            checksum(token),
            checksum(account),
            checksum(to),
            deadline,
            signature,
        )

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

    def payout_held_events(
        self, from_block: int, to_block: int | str = "latest", *, account: str | None = None
    ) -> list[DecodedEvent]:
        filters = {"account": checksum(account)} if account else None
        return self.events("PayoutHeld", from_block, to_block, argument_filters=filters)
