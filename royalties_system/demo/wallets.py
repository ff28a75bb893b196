"""The demo's development wallets on the local chain (anvil's public test keys only)."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from web3 import Web3
from web3.types import TxReceipt

from chain_client.devchain import dev_private_keys
from chain_client.sender import TransactionSender


class Wallets:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.keys = dev_private_keys(20)
        self._senders: dict[int, TransactionSender] = {}

    def key(self, index: int) -> str:
        return self.keys[index]

    def address(self, index: int) -> str:
        return str(Account.from_key(self.keys[index]).address)

    def sender(self, index: int) -> TransactionSender:
        if index not in self._senders:
            self._senders[index] = TransactionSender(self.w3, Account.from_key(self.keys[index]))
        return self._senders[index]

    def send_prepared(self, index: int, tx: dict[str, Any]) -> TxReceipt:
        """Signs and sends a transaction the API prepared ({to, data, value})."""
        return self.sender(index).send(
            {
                "to": Web3.to_checksum_address(tx["to"]),
                "data": tx["data"],
                "value": int(tx.get("value") or 0),
            }
        )


def tx_hash(receipt: TxReceipt) -> str:
    return "0x" + bytes(receipt["transactionHash"]).hex()
