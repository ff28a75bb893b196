"""What an epoch reads from UsageSettlement: state at a pinned block, and the events of a posting.

Every node reads rates, escrows and the signer config at the same block number, so nodes reading
independently agree; the local catalog's copy of the rate card is never used for amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_typing import BlockNumber, ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import BlockIdentifier

from chain_client.compiler import compile_contracts
from oracle.epoch.errors import UnknownPlatform
from oracle.epoch.totals import PlatformState


@dataclass(frozen=True, slots=True)
class PostedRoot:
    epoch: int
    root: str
    data_hash: str
    valid_at: int
    block_number: int
    tx_hash: str


def _hex32(value: bytes) -> str:
    return "0x" + bytes(value).hex()


class SettlementView:
    """Reads of one UsageSettlement contract."""

    def __init__(self, w3: Web3, address: str, abi: list[dict[str, Any]] | None = None) -> None:
        self.w3 = w3
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self.contract: Contract = w3.eth.contract(
            address=self.address, abi=abi or compile_contracts().abi("UsageSettlement")
        )

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def latest_timestamp(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def last_epoch(self, block: int | None = None) -> int:
        return int(self.contract.functions.lastEpoch().call(block_identifier=self._at(block)))

    def config_version(self, block: int | None = None) -> int:
        return int(self.contract.functions.configVersion().call(block_identifier=self._at(block)))

    def threshold(self, block: int | None = None) -> int:
        return int(self.contract.functions.threshold().call(block_identifier=self._at(block)))

    def signers(self, block: int | None = None) -> list[str]:
        found = self.contract.functions.signers().call(block_identifier=self._at(block))
        return [Web3.to_checksum_address(a) for a in found]

    def pending_valid_at(self, block: int | None = None) -> int:
        """When the pending root becomes pullable (0 when none is pending)."""
        _root, _epoch, valid_at, _debits = self.contract.functions.pendingRoot().call(
            block_identifier=self._at(block)
        )
        return int(valid_at)

    def platform(self, platform_id: int, block: int | None = None) -> PlatformState:
        try:
            info = self.contract.functions.platform(platform_id).call(
                block_identifier=self._at(block)
            )
        except ContractLogicError as exc:
            raise UnknownPlatform(platform_id) from exc
        _payer, token, rates, escrow = info
        cards = self.contract.functions.rateCards(platform_id).call(
            block_identifier=self._at(block)
        )
        return PlatformState(
            platform_id,
            Web3.to_checksum_address(token),
            tuple(int(r) for r in rates),
            int(escrow) - self._matured_withdrawal(platform_id, block),
            tuple((int(frm), tuple(int(r) for r in card)) for frm, card in cards),
            int(self.w3.eth.get_block(self._at(block))["timestamp"]),
        )

    def _matured_withdrawal(self, platform_id: int, block: int | None) -> int:
        """A withdrawal request executable at `block` (matured, not expired) counts as withdrawn:
        a post would hold that platform's debit back (DebitHeldBack) if the payer withdrew
        before it. An expired request can no longer be executed and counts as nothing."""
        at = self._at(block)
        amount, available_at = self.contract.functions.pendingWithdrawal(platform_id).call(
            block_identifier=at
        )
        if not amount:
            return 0
        timestamp = int(self.w3.eth.get_block(at)["timestamp"])
        if int(available_at) > timestamp:
            return 0
        window = int(self.contract.functions.WITHDRAWAL_WINDOW().call(block_identifier=at))
        return int(amount) if timestamp < int(available_at) + window else 0

    def post_function(
        self, report_tuple: tuple[Any, ...], signatures: list[bytes]
    ) -> ContractFunction:
        return self.contract.functions.post(report_tuple, signatures)

    def root_posted(self, epoch: int, from_block: int) -> PostedRoot | None:
        logs = self.contract.events.RootPosted.get_logs(
            from_block=BlockNumber(from_block), argument_filters={"epoch": epoch}
        )
        if not logs:
            return None
        log = logs[-1]
        return PostedRoot(
            epoch=int(log["args"]["epoch"]),
            root=_hex32(log["args"]["root"]),
            data_hash=_hex32(log["args"]["dataHash"]),
            valid_at=int(log["args"]["validAt"]),
            block_number=int(log["blockNumber"]),
            tx_hash=HexBytes(log["transactionHash"]).to_0x_hex(),
        )

    def platform_debits(self, epoch: int, from_block: int) -> list[tuple[int, int]]:
        logs = self.contract.events.PlatformDebited.get_logs(
            from_block=BlockNumber(from_block), argument_filters={"epoch": epoch}
        )
        return sorted((int(log["args"]["platformId"]), int(log["args"]["amount"])) for log in logs)

    def debits_held_back(self, tx_hash: str) -> list[tuple[int, int, int]]:
        """(platform id, amount, escrow) of every DebitHeldBack in the post's receipt: debits the
        chain did not take because the platform's escrow was short at the post."""
        receipt = self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        logs = self.contract.events.DebitHeldBack().process_receipt(receipt, errors=DISCARD)
        return sorted(
            (int(log["args"]["platformId"]), int(log["args"]["amount"]), int(log["args"]["escrow"]))
            for log in logs
            if Web3.to_checksum_address(log["address"]) == self.address
        )

    def revoked(self, epoch: int, from_block: int) -> bool:
        logs = self.contract.events.RootRevoked.get_logs(
            from_block=BlockNumber(from_block), argument_filters={"epoch": epoch}
        )
        return bool(logs)

    @staticmethod
    def _at(block: int | None) -> BlockIdentifier:
        return "latest" if block is None else BlockNumber(block)
