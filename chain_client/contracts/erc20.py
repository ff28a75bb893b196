"""ERC-20 tokens (MockStablecoin in development): balances, approvals, transfers, open mint."""

from __future__ import annotations

from web3.types import TxReceipt

from chain_client.contracts._base import Calldata, ContractClient, DecodedEvent, checksum


class ERC20Client(ContractClient):
    """Any ERC-20; `mint` only works on the development MockStablecoin."""

    CONTRACT_NAME = "MockStablecoin"

    def name(self) -> str:
        return str(self._call("name"))

    def symbol(self) -> str:
        return str(self._call("symbol"))

    def decimals(self) -> int:
        return int(self._call("decimals"))

    def total_supply(self) -> int:
        return int(self._call("totalSupply"))

    def balance_of(self, account: str) -> int:
        return int(self._call("balanceOf", checksum(account)))

    def allowance(self, owner: str, spender: str) -> int:
        return int(self._call("allowance", checksum(owner), checksum(spender)))

    def transfer(self, to: str, amount: int) -> TxReceipt:
        return self._transact("transfer", checksum(to), amount)

    def transfer_calldata(self, to: str, amount: int) -> Calldata:
        return self.calldata("transfer", checksum(to), amount)

    def approve(self, spender: str, amount: int) -> TxReceipt:
        return self._transact("approve", checksum(spender), amount)

    def approve_calldata(self, spender: str, amount: int) -> Calldata:
        return self.calldata("approve", checksum(spender), amount)

    def mint(self, to: str, amount: int) -> TxReceipt:
        return self._transact("mint", checksum(to), amount)

    def transfer_events(
        self, from_block: int, to_block: int | str = "latest", *, to: str | None = None
    ) -> list[DecodedEvent]:
        filters = {"to": checksum(to)} if to else None
        return self.events("Transfer", from_block, to_block, argument_filters=filters)
