"""Posting a signed Report: the raw transaction and its hash are persisted BEFORE broadcast, so a
restart re-sends the same bytes instead of signing a second posting.

Right before it signs the transaction, the poster checks again at the latest block that every
debit is covered (escrow minus what a withdrawal request could take before the post lands,
SettlementView.platform). When one is not (the payer withdrew, or a request matures, since the
pinned block), it raises CoverageShort instead of posting: the runner abandons the epoch and
re-pins, so the platform waits whole off chain instead of being held back on chain with its
usage already in the root's leaves (a leaf nobody funded: InsolventClaim for the last claimers).
The on-chain hold-back (DebitHeldBack) stays the last line of defence, for a post that lands
more than POST_HORIZON after this check or a transaction persisted before it.

That check only holds while the contract's withdrawalDelay is at least POST_HORIZON: a request
made after the check matures withdrawalDelay later. Under a shorter delay the poster refuses to
post at all (WithdrawalDelayTooShort, nothing persisted or sent) until governance raises it.
"""

from __future__ import annotations

from hexbytes import HexBytes
from sqlalchemy import Engine
from web3.types import TxReceipt

from chain_client.eip712 import SettlementReport
from chain_client.errors import ContractRevert, TransactionFailed
from chain_client.sender import TransactionSender, call_target
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.crash import CrashHook
from oracle.epoch.errors import EpochError
from oracle.store import epoch_repository as repo


class CoverageShort(EpochError):
    """A debit of a built epoch is no longer covered at the latest block: re-pin, do not post."""

    def __init__(self, epoch: int, block: int, short: list[tuple[int, int, int]]):
        listed = ", ".join(f"platform {p} debit {a} > covered {c}" for p, a, c in short)
        super().__init__(f"epoch {epoch} at block {block}: {listed}; re-pinned, not posted")
        self.epoch = epoch
        self.short = short


class WithdrawalDelayTooShort(EpochError):
    """The contract's withdrawal notice is shorter than the oracle's post horizon: a payer could
    request and withdraw escrow between the coverage check and the post landing."""

    def __init__(self, epoch: int, delay: int, horizon: int):
        super().__init__(
            f"epoch {epoch}: withdrawalDelay is {delay} s, under the post horizon of {horizon} s; "
            "not posted: raise withdrawalDelay by governance (queue_withdrawal_delay) "
            f"to at least {horizon} s"
        )
        self.epoch = epoch
        self.delay = delay
        self.horizon = horizon


class Poster:
    def __init__(
        self, engine: Engine, view: SettlementView, sender: TransactionSender, crash: CrashHook
    ) -> None:
        self.engine = engine
        self.view = view
        self.sender = sender
        self.crash = crash

    def sign_and_send(self, epoch: int, report: SettlementReport, signatures: list[bytes]) -> str:
        """Prepares, persists and broadcasts the post; raises ContractRevert if it would revert
        and CoverageShort or WithdrawalDelayTooShort (nothing persisted or sent) if the escrows
        no longer cover it or cannot be relied on to."""
        self.check_coverage(epoch, report)
        to, data = call_target(self.view.post_function(report.as_abi_tuple(), signatures))
        signed = self.sender.prepare({"to": to, "data": data})
        with self.engine.begin() as conn:
            repo.update_epoch(
                conn,
                epoch,
                status="tx_signed",
                tx_hash=signed.tx_hash,
                raw_tx=HexBytes(signed.raw).to_0x_hex(),
                tx_nonce=signed.nonce,
            )
        self.crash("after_tx_sign")
        self.sender.broadcast(signed)
        self.crash("after_send")
        with self.engine.begin() as conn:
            repo.update_epoch(conn, epoch, status="sent")
        self.crash("before_receipt")
        return str(signed.tx_hash)

    def check_coverage(self, epoch: int, report: SettlementReport) -> None:
        block = self.view.head()
        if report.debits:  # nothing to cover: the delay does not matter, so it is not read
            delay = self.view.withdrawal_delay(block)
            if delay < self.view.post_horizon:
                raise WithdrawalDelayTooShort(epoch, delay, self.view.post_horizon)
        short = []
        for debit in report.debits:
            covered = self.view.platform(debit.platform_id, block).escrow
            if debit.amount > covered:
                short.append((debit.platform_id, debit.amount, covered))
        if short:
            raise CoverageShort(epoch, block, short)

    def resend(self, epoch: int, raw_tx: str) -> str | None:
        """Re-sends a persisted transaction; None when its nonce went to another transaction."""
        try:
            tx_hash = self.sender.rebroadcast(raw_tx)
        except ContractRevert:
            raise
        except TransactionFailed:
            return None
        with self.engine.begin() as conn:
            repo.update_epoch(conn, epoch, status="sent")
        return str(tx_hash)

    def wait(self, tx_hash: str) -> TxReceipt:
        return self.sender.wait_for_receipt(tx_hash)
