"""The coordinator: runs one epoch through built -> signed -> tx_signed -> sent -> confirmed.

Every step is persisted before the next starts. A run first resumes an unfinished epoch, so a
crash at any step followed by a restart posts each epoch exactly once and loses no report.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from chain_client.eip712 import SettlementReport, recover_settlement_report_signer
from chain_client.errors import ContractRevert, TransactionTimeout
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.computation import EpochProposal
from oracle.epoch.crash import CrashHook
from oracle.epoch.errors import (
    EpochError,
    EpochOutOfStep,
    NotEnoughSignatures,
    ReconciliationMismatch,
)
from oracle.epoch.node import OracleNode
from oracle.epoch.poster import CoverageShort, Poster
from oracle.epoch.reconcile import reconcile_epoch
from oracle.epoch.run_lock import epoch_run_lock
from oracle.epoch.signing import ordered_signatures, settlement_report
from oracle.epoch.totals import HeldBack
from oracle.settlement.data_file import data_file_path, file_hash, publish
from oracle.store import epoch_repository as repo
from oracle.store.counters import latest_intake_seq

# A post that reverts with one of these can never succeed as built: rebuild the epoch.
_REBUILD_ERRORS = ("ConfigVersionMismatch", "UnknownSigner")


@dataclass(frozen=True)
class EpochOutcome:
    status: str
    """posted | skipped | waiting | revoked"""
    epoch: int
    root: str | None = None
    tx_hash: str | None = None
    debits: tuple[tuple[int, int], ...] = ()
    """What the chain debited (a debit it held back is under `unpaid`, not here)."""
    held_back: tuple[HeldBack, ...] = ()
    unpaid: tuple[tuple[int, int], ...] = ()
    """(platform, amount) the chain held back at the post (DebitHeldBack): carried forward."""
    leaf_count: int = 0
    data_path: str = ""
    refusals: tuple[str, ...] = field(default=())
    message: str = ""


class EpochRunner:
    def __init__(
        self,
        node: OracleNode,
        peers: Sequence[OracleNode],
        poster: Poster,
        data_dir: Path,
        crash: CrashHook,
    ) -> None:
        self.node = node
        self.peers = list(peers)
        self.poster = poster
        self.data_dir = data_dir
        self.crash = crash
        self.engine = node.engine
        self.view: SettlementView = node.view

    def run_once(self) -> EpochOutcome:
        with epoch_run_lock(self.data_dir) as held:
            if not held:
                return EpochOutcome("waiting", 0, message="another epoch run holds the lock")
            with self.engine.connect() as conn:
                unfinished = repo.unfinished_epoch(conn)
            if unfinished is not None:
                return self._drive(unfinished.epoch)
            return self._start()

    def abandon_unsent(self, reason: str) -> int | None:
        """Abandons an unfinished epoch whose post was never signed as a transaction.

        For an operator whose epoch cannot gather k signatures: the next run rebuilds it from
        the current store and chain. An epoch with a signed transaction is never abandoned,
        because that transaction may still be mined.
        """
        with self.engine.begin() as conn:
            unfinished = repo.unfinished_epoch(conn)
            if unfinished is None:
                return None
            if unfinished.status not in ("built", "signed"):
                raise EpochError(
                    f"epoch {unfinished.epoch} is {unfinished.status}: its transaction may "
                    "still be mined, so it cannot be abandoned; run the epoch to finish it"
                )
            repo.update_epoch(conn, unfinished.epoch, status="abandoned", note=reason)
        return unfinished.epoch

    # ---- a new epoch ----------------------------------------------------------------

    def _start(self, repinned: bool = False) -> EpochOutcome:
        block = self.view.head()
        chain_last = self.view.last_epoch(block)
        with self.engine.connect() as conn:
            local_last = repo.last_closed_epoch(conn)
            cut = latest_intake_seq(conn)
        if chain_last != local_last:
            raise EpochOutOfStep(
                f"the chain's lastEpoch is {chain_last} but this store closed epoch "
                f"{local_last}; another poster is active or this store is not the one that posted"
            )
        valid_at = self.view.pending_valid_at(block)
        if valid_at and valid_at > self._block_time(block):
            return EpochOutcome(
                "waiting", chain_last + 1, message=f"pending root not valid until {valid_at}"
            )
        proposal = EpochProposal(chain_last + 1, self.view.config_version(block), cut, block)
        result = self.node.compute(proposal)
        computation = result.computation
        if computation is None:
            return EpochOutcome(
                "skipped",
                proposal.epoch,
                held_back=result.held_back,
                message="; ".join(("nothing new to settle", *_reasons(result.held_back))),
            )
        path = data_file_path(self.data_dir, self.node.chain_id, self.view.address, proposal.epoch)
        publish(computation.data_path, path)
        with self.engine.begin() as conn:
            repo.save_epoch(
                conn,
                repo.EpochRecord(
                    epoch=proposal.epoch,
                    status="built",
                    config_version=proposal.config_version,
                    cut_seq=proposal.cut_seq,
                    block_number=proposal.block_number,
                    root=computation.root,
                    data_hash=computation.data_hash,
                    data_path=str(path),
                    leaf_count=computation.leaf_count,
                    note=_note(computation.below_settled, computation.held_back),
                ),
                computation.debits,
                computation.held_back,
                [r.version_id for r in computation.included_reports],
            )
        self.crash("after_build")
        return self._drive(proposal.epoch, repinned)

    # ---- driving a persisted epoch to confirmation ----------------------------------

    def _drive(self, epoch: int, repinned: bool = False) -> EpochOutcome:
        refusals: tuple[str, ...] = ()
        record = self._record(epoch)
        if record.status == "posted":
            return self._confirm(epoch)
        if record.status in ("tx_signed", "sent") or self.view.last_epoch() >= epoch:
            return self._recover_sent(epoch)
        if record.status == "built":
            self._check_published_file(record)
            refusals = self._collect_signatures(record)
            self.crash("after_sign")
            record = self._record(epoch)
        try:
            tx_hash = self.poster.sign_and_send(
                epoch, self._report(record), self._ordered_signatures(record)
            )
        except ContractRevert as revert:
            return self._after_revert(epoch, revert)
        except CoverageShort as short:
            return self._repin(epoch, short, repinned)
        return self._await(epoch, tx_hash, refusals)

    def _repin(self, epoch: int, short: CoverageShort, repinned: bool) -> EpochOutcome:
        """An escrow no longer covers a debit of the built epoch (nothing was sent): the epoch is
        abandoned and built again at the head, where that platform waits whole (issue 11: a
        root never promises what the chain did not debit). Once per run: a second shortfall
        right after a fresh pin waits for the next run."""
        with self.engine.begin() as conn:
            repo.update_epoch(conn, epoch, status="abandoned", note=str(short))
        if repinned:
            return EpochOutcome("waiting", epoch, message=str(short))
        outcome = self._start(repinned=True)
        return replace(outcome, message="; ".join(m for m in (str(short), outcome.message) if m))

    def _recover_sent(self, epoch: int) -> EpochOutcome:
        record = self._record(epoch)
        if self.view.last_epoch() >= epoch:
            return self._confirm(epoch)
        if record.raw_tx is None:
            raise EpochError(f"epoch {epoch} is {record.status} without a persisted transaction")
        try:
            tx_hash = self.poster.resend(epoch, record.raw_tx)
        except ContractRevert as revert:
            return self._after_revert(epoch, revert)
        if tx_hash is None:
            # Its nonce went to another transaction and the chain has not posted the epoch.
            with self.engine.begin() as conn:
                repo.update_epoch(conn, epoch, status="signed", tx_hash=None, raw_tx=None)
            return self._drive(epoch)
        return self._await(epoch, tx_hash, ())

    def _await(self, epoch: int, tx_hash: str, refusals: tuple[str, ...]) -> EpochOutcome:
        try:
            self.poster.wait(tx_hash)
        except ContractRevert as revert:
            return self._after_revert(epoch, revert)
        except TransactionTimeout:
            return EpochOutcome("waiting", epoch, tx_hash=tx_hash, message="no receipt yet")
        return self._confirm(epoch, refusals)

    def _after_revert(self, epoch: int, revert: ContractRevert) -> EpochOutcome:
        if self.view.last_epoch() >= epoch:
            return self._confirm(epoch)
        if revert.error_name in _REBUILD_ERRORS:
            with self.engine.begin() as conn:
                repo.update_epoch(conn, epoch, status="abandoned", note=str(revert))
            return EpochOutcome("waiting", epoch, message=f"abandoned, rebuilt next run: {revert}")
        if revert.error_name == "RootStillPending":
            return EpochOutcome("waiting", epoch, message=str(revert))
        raise revert

    def _confirm(self, epoch: int, refusals: tuple[str, ...] = ()) -> EpochOutcome:
        reconciled = reconcile_epoch(self.engine, self.view, epoch)
        posted = reconciled.posted
        if posted is None:
            raise ReconciliationMismatch(
                f"the chain's lastEpoch reached {epoch} but no RootPosted event for it was found"
            )
        if reconciled.state == "pending":
            return EpochOutcome(
                "waiting",
                epoch,
                tx_hash=posted.tx_hash,
                refusals=refusals,
                message=f"posted; root pending until {posted.valid_at}, confirmed once valid",
            )
        if reconciled.state == "revoked":
            return EpochOutcome(
                "revoked",
                epoch,
                tx_hash=posted.tx_hash,
                message="the guardian revoked this root; its usage rolls into the next epoch",
            )
        for peer in self.peers:
            try:
                peer.catch_up()
            except EpochError as exc:
                refusals = (*refusals, f"{peer.name} could not reconcile: {exc}")
        record = self._record(epoch)
        with self.engine.connect() as conn:
            unpaid = tuple(repo.unpaid_of(conn, epoch))
            debits = tuple(d for d in repo.debits_of(conn, epoch) if d not in unpaid)
            held_back = tuple(repo.held_back_of(conn, epoch))

        return EpochOutcome(
            "posted",
            epoch,
            root=record.root,
            tx_hash=posted.tx_hash,
            debits=debits,
            held_back=held_back,
            unpaid=unpaid,
            leaf_count=record.leaf_count,
            data_path=record.data_path,
            refusals=refusals,
            message=record.note,
        )

    # ---- signatures -----------------------------------------------------------------

    def _collect_signatures(self, record: repo.EpochRecord) -> tuple[str, ...]:
        report = self._report(record)
        proposal = EpochProposal(
            record.epoch, record.config_version, record.cut_seq, record.block_number
        )
        signers = set(self.view.signers(record.block_number))
        threshold = self.view.threshold(record.block_number)
        collected: dict[str, str] = {}
        refusals: list[str] = []
        if self.node.address in signers:
            collected[self.node.address] = self.node.sign_own(report)
        for peer in self.peers:
            if len(collected) >= threshold:
                break
            if peer.address not in signers or peer.address in collected:
                refusals.append(f"{peer.name} ({peer.address}) is not a current signer")
                continue
            try:
                signature = peer.sign_proposed(proposal, report)
            except EpochError as exc:
                refusals.append(str(exc))
                continue
            recovered = recover_settlement_report_signer(
                report,
                signature,
                chain_id=self.node.chain_id,
                verifying_contract=self.view.address,
            )
            if recovered != peer.address:
                refusals.append(f"{peer.name} returned a signature of {recovered}")
                continue
            collected[peer.address] = signature
        if len(collected) < threshold:
            raise NotEnoughSignatures(record.epoch, len(collected), threshold, refusals)
        with self.engine.begin() as conn:
            repo.save_signatures(conn, record.epoch, collected)
            repo.update_epoch(conn, record.epoch, status="signed")
        return tuple(refusals)

    def _ordered_signatures(self, record: repo.EpochRecord) -> list[bytes]:
        with self.engine.connect() as conn:
            signatures = list(repo.signatures_of(conn, record.epoch).values())
        return ordered_signatures(
            self._report(record),
            signatures,
            chain_id=self.node.chain_id,
            settlement=self.view.address,
        )

    # ---- helpers --------------------------------------------------------------------

    def _check_published_file(self, record: repo.EpochRecord) -> None:
        """Nobody signs a dataHash whose file is not there to be published."""
        path = Path(record.data_path)
        if not path.is_file() or file_hash(path) != record.data_hash:
            raise EpochError(
                f"epoch {record.epoch}'s data file {path} is missing or changed since it was "
                f"built (dataHash {record.data_hash}); abandon the epoch with --abandon-unsent"
            )

    def _record(self, epoch: int) -> repo.EpochRecord:
        with self.engine.connect() as conn:
            record = repo.get_epoch(conn, epoch)
        if record is None:
            raise EpochError(f"epoch {epoch} is not in this store")
        return record

    def _report(self, record: repo.EpochRecord) -> SettlementReport:
        with self.engine.connect() as conn:
            debits = repo.debits_of(conn, record.epoch)
        return settlement_report(
            record.epoch, record.config_version, record.root, record.data_hash, debits
        )

    def _block_time(self, block: int) -> int:
        return int(self.view.w3.eth.get_block(block)["timestamp"]) if block else int(time.time())


def _reasons(held_back: Sequence[HeldBack]) -> tuple[str, ...]:
    """Why platforms were held back other than for their escrow (their stored usage could not
    be settled): shown in the epoch's note (`royalties oracle status`) and the worker's log."""
    return tuple(h.reason for h in held_back if h.reason)


def _note(below_settled: tuple[object, ...], held_back: Sequence[HeldBack] = ()) -> str:
    parts = list(_reasons(held_back))
    if below_settled:
        parts.append(
            f"{len(below_settled)} totals were corrected below their settled value and stay "
            "there (listed under belowSettled in the data file)"
        )
    return "; ".join(parts)
