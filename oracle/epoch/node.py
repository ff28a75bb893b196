"""An oracle node: its own key and store; computes an epoch itself, signs only what it computed."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine

from chain_client.eip712 import SettlementReport
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.computation import EpochComputation, EpochProposal
from oracle.epoch.errors import NodeDisagreement
from oracle.epoch.reconcile import reconcile_epoch
from oracle.epoch.signing import sign_report
from oracle.epoch.totals import HeldBack
from oracle.settlement import engine as settlement_engine
from oracle.settlement.splits import ChainRootReader, RootReader
from oracle.store import epoch_repository as repo


@dataclass(frozen=True, slots=True)
class NodeResult:
    computation: EpochComputation | None
    """None when no leaf moved: the epoch is skipped."""
    held_back: tuple[HeldBack, ...] = ()


class OracleNode:
    def __init__(
        self,
        name: str,
        private_key: str,
        engine: Engine,
        view: SettlementView,
        *,
        chain_id: int,
        work_dir: Path | None = None,
        root_reader: RootReader | None = None,
    ) -> None:
        self.name = name
        self._account: LocalAccount = Account.from_key(private_key)
        self.engine = engine
        self.view = view
        self.chain_id = chain_id
        self._work_dir = work_dir
        self.root_reader: RootReader = root_reader or ChainRootReader(view.w3)
        #: Wall seconds per step of the last computation (logged; read by the scale bench).
        self.last_timings: dict[str, float] = {}

    @property
    def work_dir(self) -> Path:
        """Where this node writes the data files it computes (a temporary directory by default)."""
        if self._work_dir is None:
            self._work_dir = Path(tempfile.mkdtemp(prefix=f"oracle-{self.name}-"))
        self._work_dir.mkdir(parents=True, exist_ok=True)
        return self._work_dir

    @property
    def address(self) -> str:
        return str(self._account.address)

    def compute(self, proposal: EpochProposal) -> NodeResult:
        """Computes the epoch from this node's store and the chain at the proposal's block."""
        request = settlement_engine.EpochRequest(
            epoch=proposal.epoch,
            config_version=proposal.config_version,
            cut_seq=proposal.cut_seq,
            block_number=proposal.block_number,
            chain_id=self.chain_id,
            settlement=self.view.address,
        )
        result = settlement_engine.compute(
            self.engine,
            request,
            lambda platform_id: self.view.platform(platform_id, proposal.block_number),
            self.root_reader,
            self.work_dir,
        )
        self.last_timings = dict(result.timings)
        if result.changed_leaves == 0:
            return NodeResult(None, result.held_back)
        return NodeResult(EpochComputation(proposal, result), result.held_back)

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
                        leaf_count=computation.leaf_count,
                    ),
                    computation.debits,
                    computation.held_back,
                    [r.version_id for r in computation.included_reports],
                )
        computation.data_path.unlink(missing_ok=True)  # a peer keeps its rows, not the file
        return self.sign_own(mine)

    def catch_up(self) -> None:
        """Confirms this node's signed epochs the chain has posted since."""
        with self.engine.connect() as conn:
            waiting = [r for r in repo.recent_epochs(conn, 20) if r.status in ("signed", "posted")]
        for record in sorted(waiting, key=lambda r: r.epoch):
            reconcile_epoch(self.engine, self.view, record.epoch)
