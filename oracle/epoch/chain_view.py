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


POST_HORIZON = 3_600
"""Seconds within which an epoch's post is taken to land after the block it was checked at (the
pinned block, then the latest block right before sending). A platform's coverage is its escrow
minus any withdrawal request executable within that time (SettlementView.platform), so a payer
cannot withdraw in front of the post: no debit is held back on chain (DebitHeldBack) and no
leaf is left unfunded. It is part of what every node computes (it decides which platforms wait):
all nodes of a deployment must use the same value."""


class SettlementView:
    """Reads of one UsageSettlement contract."""

    def __init__(
        self,
        w3: Web3,
        address: str,
        abi: list[dict[str, Any]] | None = None,
        post_horizon: int = POST_HORIZON,
    ) -> None:
        self.w3 = w3
        self.post_horizon = post_horizon
        self.address: ChecksumAddress = Web3.to_checksum_address(address)
        self.contract: Contract = w3.eth.contract(
            address=self.address, abi=abi or compile_contracts().abi("UsageSettlement")
        )

    def head(self) -> int:
        return int(self.w3.eth.block_number)

    def latest_timestamp(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def withdrawal_delay(self, block: int | None = None) -> int:
        return int(self.contract.functions.withdrawalDelay().call(block_identifier=self._at(block)))

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
            max(0, int(escrow) - self.withdrawable_before(platform_id, block, self.post_horizon)),
            tuple((int(frm), tuple(int(r) for r in card)) for frm, card in cards),
            int(self.w3.eth.get_block(self._at(block))["timestamp"]),
        )

    def withdrawable_before(self, platform_id: int, block: int | None, horizon: int) -> int:
        """What a withdrawal request can take from the escrow before `horizon` seconds after
        `block`: the request's amount (capped at the escrow) if it is executable at some time of
        [block time, block time + horizon] (matured by then, not yet expired), else 0.

        Only a request can lower an escrow (a debit is this oracle's own post; a revoke refunds),
        so a debit no larger than escrow - withdrawable_before(horizon) is still covered when
        the post lands within `horizon`, whatever the payer sends first. A request made after
        `block` matures `withdrawalDelay` later: the guarantee needs withdrawalDelay >= horizon
        (3 days by default against POST_HORIZON's hour)."""
        at = self._at(block)
        amount, available_at = self.contract.functions.pendingWithdrawal(platform_id).call(
            block_identifier=at
        )
        if not amount:
            return 0
        timestamp = int(self.w3.eth.get_block(at)["timestamp"])
        if int(available_at) > timestamp + horizon:
            return 0  # matures only after the post has landed
        window = int(self.contract.functions.WITHDRAWAL_WINDOW().call(block_identifier=at))
        return int(amount) if timestamp < int(available_at) + window else 0  # expired: nothing

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
