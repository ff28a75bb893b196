"""An oracle node: its own key and store; computes an epoch itself, signs only what it computed."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from chain_client.eip712 import SettlementReport
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.computation import (
    EpochComputation,
    EpochInputs,
    EpochProposal,
    advance_for,
    compute_epoch,
)
from oracle.epoch.errors import NodeDisagreement
from oracle.epoch.reconcile import reconcile_epoch
from oracle.epoch.signing import sign_report
from oracle.epoch.totals import TotalsAdvance
from oracle.store import epoch_repository as repo


@dataclass(frozen=True, slots=True)
class NodeResult:
    advance: TotalsAdvance
    computation: EpochComputation | None
    """None when nothing moved: the epoch is skipped."""


class OracleNode:
    def __init__(
        self,
        name: str,
        private_key: str,
        engine: Engine,
        view: SettlementView,
        *,
        chain_id: int,
    ) -> None:
        self.name = name
        self._account: LocalAccount = Account.from_key(private_key)
        self.engine = engine
        self.view = view
        self.chain_id = chain_id

    @property
    def address(self) -> str:
        return str(self._account.address)

    def read_inputs(self, proposal: EpochProposal) -> EpochInputs:
        """Reads the store at the proposal's cut and the chain at its block."""
        with self.engine.connect() as conn:
            settled = repo.settled(conn)
            units = repo.cumulative_units_at(conn, proposal.cut_seq)
            pending = repo.pending_reports_at(conn, proposal.cut_seq)
            track_ids = {key[0] for key in units} | {key[0] for key in settled}
            splits = repo.split_addresses(conn, track_ids)
        platform_ids = sorted({key[1] for key in units} | {key[1] for key in settled})
        platforms = {pid: self.view.platform(pid, proposal.block_number) for pid in platform_ids}
        return EpochInputs(settled, units, platforms, splits, pending)

    def compute(self, proposal: EpochProposal) -> NodeResult:
        inputs = self.read_inputs(proposal)
        advance = advance_for(inputs)
        if not advance.changed:
            return NodeResult(advance, None)
        computation = compute_epoch(
            proposal, inputs, advance, chain_id=self.chain_id, settlement=self.view.address
        )
        return NodeResult(advance, computation)

    def sign_own(self, report: SettlementReport) -> str:
        """Signs a report this node computed and persisted itself."""
        return sign_report(
            self._account.key.hex(), report, chain_id=self.chain_id, settlement=self.view.address
        )

    def sign_proposed(self, proposal: EpochProposal, proposed: SettlementReport) -> str:
        """Recomputes the epoch from this node's own store; signs only if it equals `proposed`."""
        self.catch_up()
        computation = self.compute(proposal).computation
        if computation is None:
            raise NodeDisagreement(self.name, "report", "a report", "nothing to settle")
        mine = computation.report
        for field, theirs, ours in (
            ("epoch", proposed.epoch, mine.epoch),
            ("configVersion", proposed.config_version, mine.config_version),
            ("root", proposed.root.hex(), mine.root.hex()),
            ("dataHash", proposed.data_hash.hex(), mine.data_hash.hex()),
            ("debits", proposed.debits, mine.debits),
        ):
            if theirs != ours:
                raise NodeDisagreement(self.name, field, theirs, ours)
        with self.engine.begin() as conn:
            existing = repo.get_epoch(conn, proposal.epoch)
            if existing is None or existing.status in ("signed", "abandoned"):
                # A number reused after a revoke or an abandoned post replaces the old row.
                repo.save_epoch(
                    conn,
                    repo.EpochRecord(
                        epoch=proposal.epoch,
                        status="signed",
                        config_version=proposal.config_version,
                        cut_seq=proposal.cut_seq,
                        block_number=proposal.block_number,
                        root=computation.root,
                        data_hash=computation.data_hash,
                        data_path="",
                        leaf_count=len(computation.leaves),
                    ),
                    computation.advance.changed,
                    computation.advance.debits,
                    computation.advance.held_back,
                    [r.version_id for r in computation.included_reports],
                )
        return self.sign_own(mine)

    def catch_up(self) -> None:
        """Confirms this node's signed epochs the chain has posted since."""
        with self.engine.connect() as conn:
            waiting = [r for r in repo.recent_epochs(conn, 20) if r.status in ("signed", "posted")]
        for record in sorted(waiting, key=lambda r: r.epoch):
            reconcile_epoch(self.engine, self.view, record.epoch)
