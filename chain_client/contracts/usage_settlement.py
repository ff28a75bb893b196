"""UsageSettlement: platforms and escrows, oracle signers, posting roots, per-account claims."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_typing import ChecksumAddress
from web3.types import TxReceipt

from chain_client.constants import NATIVE_TOKEN
from chain_client.contracts._base import (
    Calldata,
    ContractClient,
    DecodedEvent,
    checksum,
    checksums,
)
from chain_client.eip712 import Debit, SettlementReport
from chain_client.errors import ChainClientError


@dataclass(frozen=True)
class PlatformInfo:
    payer: ChecksumAddress
    token: ChecksumAddress
    rates: tuple[int, ...]
    escrow: int


@dataclass(frozen=True)
class PendingRoot:
    root: bytes
    epoch: int
    valid_at: int
    debits_hash: bytes


@dataclass(frozen=True)
class PendingWithdrawal:
    amount: int
    available_at: int


@dataclass(frozen=True)
class ClaimRequest:
    """One per-account settlement leaf and its proof: what `claim` and a `claimMany` entry need.

    The leaf is `(account, token, cumulativeAmount)` (`chain_client.merkle.account_leaf_types`).
    """

    account: str
    token: str
    cumulative_amount: int
    proof: Sequence[bytes] = ()

    def as_tree_value(self) -> tuple[str, str, int]:
        return (self.account, self.token, self.cumulative_amount)

    def as_abi_tuple(self) -> tuple[ChecksumAddress, ChecksumAddress, int, list[bytes]]:
        if self.cumulative_amount < 0:
            raise ValueError(f"cumulative amount must be >= 0, got {self.cumulative_amount}")
        return (
            checksum(self.account),
            checksum(self.token),
            int(self.cumulative_amount),
            [bytes(p) for p in self.proof],
        )


class UsageSettlementClient(ContractClient):
    CONTRACT_NAME = "UsageSettlement"

    # ---- platform and escrow reads ----
    def platform(self, platform_id: int) -> PlatformInfo:
        payer, token, rates, escrow = self._call("platform", platform_id)
        return PlatformInfo(
            checksum(payer), checksum(token), tuple(int(r) for r in rates), int(escrow)
        )

    def platform_count(self) -> int:
        return int(self._call("platformCount"))

    def pending_withdrawal(self, platform_id: int) -> PendingWithdrawal:
        amount, available_at = self._call("pendingWithdrawal", platform_id)
        return PendingWithdrawal(int(amount), int(available_at))

    # ---- signer config reads ----
    def signers(self) -> list[ChecksumAddress]:
        return checksums(self._call("signers"))

    def threshold(self) -> int:
        return int(self._call("threshold"))

    def config_version(self) -> int:
        return int(self._call("configVersion"))

    def is_signer(self, account: str) -> bool:
        return bool(self._call("isSigner", checksum(account)))

    def guardian(self) -> ChecksumAddress:
        return checksum(self._call("guardian"))

    def owner(self) -> ChecksumAddress:
        return checksum(self._call("owner"))

    def root_delay(self) -> int:
        return int(self._call("rootDelay"))

    def withdrawal_delay(self) -> int:
        return int(self._call("withdrawalDelay"))

    # ---- settlement reads ----
    def report_digest(self, report: SettlementReport) -> bytes:
        return bytes(self._call("reportDigest", report.as_abi_tuple()))

    def hash_debits(self, debits: Sequence[Debit]) -> bytes:
        return bytes(self._call("hashDebits", [(d.platform_id, d.amount) for d in debits]))

    def last_epoch(self) -> int:
        return int(self._call("lastEpoch"))

    def current_root(self) -> tuple[bytes, int]:
        root, epoch = self._call("currentRoot")
        return bytes(root), int(epoch)

    def pending_root(self) -> PendingRoot:
        root, epoch, valid_at, debits_hash = self._call("pendingRoot")
        return PendingRoot(bytes(root), int(epoch), int(valid_at), bytes(debits_hash))

    def claimed(self, account: str, token: str) -> int:
        """The cumulative amount of `token` already paid to `account` by claims."""
        return int(self._call("claimed", checksum(account), checksum(token)))

    def total_debited(self, token: str) -> int:
        return int(self._call("totalDebited", checksum(token)))

    def total_claimed(self, token: str) -> int:
        return int(self._call("totalClaimed", checksum(token)))

    def total_escrow(self, token: str) -> int:
        return int(self._call("totalEscrow", checksum(token)))

    # ---- owner writes ----
    def register_platform(self, payer: str, token: str, rates: Sequence[int]) -> TxReceipt:
        return self._transact("registerPlatform", checksum(payer), checksum(token), _rates(rates))

    def set_rates(self, platform_id: int, rates: Sequence[int]) -> TxReceipt:
        return self._transact("setRates", platform_id, _rates(rates))

    def set_signers(self, signers: Sequence[str], threshold: int) -> TxReceipt:
        ordered = sorted(checksums(signers), key=lambda a: int(a, 16))
        return self._transact("setSigners", ordered, threshold)

    def set_guardian(self, guardian: str) -> TxReceipt:
        return self._transact("setGuardian", checksum(guardian))

    def set_root_delay(self, seconds: int) -> TxReceipt:
        return self._transact("setRootDelay", seconds)

    def set_withdrawal_delay(self, seconds: int) -> TxReceipt:
        return self._transact("setWithdrawalDelay", seconds)

    # ---- escrow writes ----
    def deposit(self, platform_id: int, amount: int, *, token: str | None = None) -> TxReceipt:
        """Fund an escrow; sends ETH when the platform's token is native."""
        return self._transact(
            "deposit", platform_id, amount, value=self._eth_value(platform_id, amount, token)
        )

    def deposit_calldata(
        self, platform_id: int, amount: int, *, token: str | None = None
    ) -> Calldata:
        return self.calldata(
            "deposit", platform_id, amount, value=self._eth_value(platform_id, amount, token)
        )

    def _eth_value(self, platform_id: int, amount: int, token: str | None) -> int:
        token = token if token is not None else self.platform(platform_id).token
        return amount if checksum(token) == NATIVE_TOKEN else 0

    def request_withdrawal(self, platform_id: int, amount: int) -> TxReceipt:
        return self._transact("requestWithdrawal", platform_id, amount)

    def withdraw(self, platform_id: int, to: str) -> TxReceipt:
        return self._transact("withdraw", platform_id, checksum(to))

    # ---- settlement writes ----
    def post(self, report: SettlementReport, signatures: Sequence[bytes]) -> TxReceipt:
        return self._transact("post", report.as_abi_tuple(), list(signatures))

    def post_calldata(self, report: SettlementReport, signatures: Sequence[bytes]) -> Calldata:
        return self.calldata("post", report.as_abi_tuple(), list(signatures))

    def revoke(self, epoch: int, debits: Sequence[Debit]) -> TxReceipt:
        return self._transact("revoke", epoch, [(d.platform_id, d.amount) for d in debits])

    def claim(self, request: ClaimRequest) -> TxReceipt:
        """Pay `request.account` its cumulative amount minus what it claimed (anyone may send)."""
        return self._transact("claim", *request.as_abi_tuple())

    def claim_calldata(self, request: ClaimRequest) -> Calldata:
        return self.calldata("claim", *request.as_abi_tuple())

    def claim_many(self, requests: Sequence[ClaimRequest]) -> TxReceipt:
        """Several leaves (tokens, accounts) in one transaction; entries with nothing left pay 0."""
        return self._transact("claimMany", [r.as_abi_tuple() for r in requests])

    def claim_many_calldata(self, requests: Sequence[ClaimRequest]) -> Calldata:
        return self.calldata("claimMany", [r.as_abi_tuple() for r in requests])

    def claimed_amount(self, receipt: TxReceipt) -> int:
        """The total a claim or claimMany transaction paid (summed over its Claimed events)."""
        return sum(int(e.args["amount"]) for e in self.events_in_receipt(receipt, "Claimed"))

    # ---- events ----
    def root_posted_events(
        self, from_block: int, to_block: int | str = "latest"
    ) -> list[DecodedEvent]:
        return self.events("RootPosted", from_block, to_block)

    def claimed_events(
        self, from_block: int, to_block: int | str = "latest", *, account: str | None = None
    ) -> list[DecodedEvent]:
        filters = {"account": checksum(account)} if account else None
        return self.events("Claimed", from_block, to_block, argument_filters=filters)

    def platform_debited_events(
        self, from_block: int, to_block: int | str = "latest"
    ) -> list[DecodedEvent]:
        return self.events("PlatformDebited", from_block, to_block)

    def registered_platform_id(self, receipt: TxReceipt) -> int:
        events = self.events_in_receipt(receipt, "PlatformRegistered")
        if not events:
            raise ChainClientError("the receipt has no PlatformRegistered event")
        return int(events[0].args["platformId"])


def _rates(rates: Sequence[int]) -> list[int]:
    if len(rates) != 6:
        raise ValueError(f"a rate card has 6 rates (one per usage class), got {len(rates)}")
    return [int(r) for r in rates]
