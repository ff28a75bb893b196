"""UsageSettlement: platforms and escrows, oracle signers, posting roots, per-account claims."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode as abi_encode
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


#: anvil's chain id: the only chain where the instant `set_*` helpers move time forward.
DEV_CHAIN_ID = 31337
#: Seconds between a rate card's eta and the default time it takes effect.
RATES_MARGIN = 60


class ChangeKind(enum.IntEnum):
    """IUsageSettlement.ChangeKind: what a queued governance change changes."""

    SIGNERS = 0
    GUARDIAN = 1
    ROOT_DELAY = 2
    WITHDRAWAL_DELAY = 3
    RATES = 4


@dataclass(frozen=True)
class QueuedChange:
    """A governance change as queued: apply it with `apply_change` from `eta` (Unix time)."""

    change_id: int
    kind: ChangeKind
    data: bytes
    eta: int


@dataclass(frozen=True)
class RateCard:
    effective_from: int
    rates: tuple[int, ...]


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

    def registrar(self) -> ChecksumAddress:
        return checksum(self._call("registrar"))

    def governance_delay(self) -> int:
        return int(self._call("governanceDelay"))

    def rates_at(self, platform_id: int, timestamp: int) -> tuple[int, ...]:
        """The rate card of `platform_id` in force at `timestamp` (prices that moment's usage)."""
        return tuple(int(r) for r in self._call("ratesAt", platform_id, timestamp))

    def rate_cards(self, platform_id: int) -> list[RateCard]:
        """Every rate card of `platform_id`, by ascending effective time (the first from 0)."""
        return [
            RateCard(int(frm), tuple(int(r) for r in rates))
            for frm, rates in self._call("rateCards", platform_id)
        ]

    def queued_change(self, change_id: int) -> tuple[bytes, int]:
        """(keccak256(abi.encode(kind, data)), eta) of a queued change; zeros once done."""
        digest, eta = self._call("queuedChange", change_id)
        return bytes(digest), int(eta)

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

    # ---- registrar and owner writes ----
    def register_platform(self, payer: str, token: str, rates: Sequence[int]) -> TxReceipt:
        """Register a platform (the registrar: by default the deployer)."""
        return self._transact("registerPlatform", checksum(payer), checksum(token), _rates(rates))

    def set_registrar(self, registrar: str) -> TxReceipt:
        return self._transact("setRegistrar", checksum(registrar))

    # ---- timelocked governance (owner queues, anyone applies from the eta, guardian cancels) ----
    def queue_change(self, kind: ChangeKind, data: bytes) -> QueuedChange:
        receipt = self._transact("queueChange", int(kind), data)
        events = self.events_in_receipt(receipt, "ChangeQueued")
        if not events:
            raise ChainClientError("the receipt has no ChangeQueued event")
        args = events[0].args
        return QueuedChange(int(args["changeId"]), kind, bytes(args["data"]), int(args["eta"]))

    def apply_change(self, change: QueuedChange) -> TxReceipt:
        return self._transact("applyChange", change.change_id, int(change.kind), change.data)

    def cancel_change(self, change_id: int) -> TxReceipt:
        return self._transact("cancelChange", change_id)

    def queue_signers(self, signers: Sequence[str], threshold: int) -> QueuedChange:
        ordered = sorted(checksums(signers), key=lambda a: int(a, 16))
        data = abi_encode(["address[]", "uint8"], [ordered, threshold])
        return self.queue_change(ChangeKind.SIGNERS, data)

    def queue_guardian(self, guardian: str) -> QueuedChange:
        return self.queue_change(ChangeKind.GUARDIAN, abi_encode(["address"], [checksum(guardian)]))

    def queue_root_delay(self, seconds: int) -> QueuedChange:
        return self.queue_change(ChangeKind.ROOT_DELAY, abi_encode(["uint64"], [seconds]))

    def queue_withdrawal_delay(self, seconds: int) -> QueuedChange:
        return self.queue_change(ChangeKind.WITHDRAWAL_DELAY, abi_encode(["uint64"], [seconds]))

    def queue_rates(
        self, platform_id: int, rates: Sequence[int], effective_from: int | None = None
    ) -> QueuedChange:
        """Queue a rate card in force from `effective_from` (default: a minute after the eta)."""
        if effective_from is None:
            # the eta counts from the queuing block, mined a little after `now`
            effective_from = self._now() + self.governance_delay() + RATES_MARGIN
        data = abi_encode(
            ["uint256", "uint256[6]", "uint64"], [platform_id, _rates(rates), effective_from]
        )
        return self.queue_change(ChangeKind.RATES, data)

    def govern(self, change: QueuedChange, *, until: int | None = None) -> TxReceipt:
        """Apply `change` now if due; on a development chain (anvil) move time to its eta first.

        Elsewhere a change that is not yet due raises: apply it with `apply_change` from its eta.
        `until` (dev chains only) moves time on to that moment after applying.
        """
        now = self._now()
        if now < change.eta:
            self._dev_time_travel(change.eta, f"change {change.change_id} applies from")
        receipt = self.apply_change(change)
        if until is not None and self._now() < until:
            self._dev_time_travel(until, "the change takes effect at")
        return receipt

    def _dev_time_travel(self, timestamp: int, what: str) -> None:
        if int(self.w3.eth.chain_id) != DEV_CHAIN_ID:
            raise ChainClientError(f"{what} {timestamp} (now {self._now()}): wait until then")
        provider = self.w3.provider
        provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]
        provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    # Instant-looking helpers kept for callers of the former setters: queue, then `govern`
    # (time moves forward on a development chain only).
    def set_rates(self, platform_id: int, rates: Sequence[int]) -> TxReceipt:
        effective_from = self._now() + self.governance_delay() + RATES_MARGIN
        change = self.queue_rates(platform_id, rates, effective_from)
        return self.govern(change, until=effective_from)

    def set_signers(self, signers: Sequence[str], threshold: int) -> TxReceipt:
        return self.govern(self.queue_signers(signers, threshold))

    def set_guardian(self, guardian: str) -> TxReceipt:
        return self.govern(self.queue_guardian(guardian))

    def set_root_delay(self, seconds: int) -> TxReceipt:
        return self.govern(self.queue_root_delay(seconds))

    def set_withdrawal_delay(self, seconds: int) -> TxReceipt:
        return self.govern(self.queue_withdrawal_delay(seconds))

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

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

    def debit_held_back_events(
        self, from_block: int, to_block: int | str = "latest"
    ) -> list[DecodedEvent]:
        """Debits a post could not take (the escrow was short); the oracle debits them again."""
        return self.events("DebitHeldBack", from_block, to_block)

    def rates_changed_events(
        self, from_block: int, to_block: int | str = "latest"
    ) -> list[DecodedEvent]:
        return self.events("RatesChanged", from_block, to_block)

    def registered_platform_id(self, receipt: TxReceipt) -> int:
        events = self.events_in_receipt(receipt, "PlatformRegistered")
        if not events:
            raise ChainClientError("the receipt has no PlatformRegistered event")
        return int(events[0].args["platformId"])


def _rates(rates: Sequence[int]) -> list[int]:
    if len(rates) != 6:
        raise ValueError(f"a rate card has 6 rates (one per usage class), got {len(rates)}")
    return [int(r) for r in rates]
