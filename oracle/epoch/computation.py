"""One epoch computed from its inputs: root, data file, dataHash, debits and the Report.

The computation itself is oracle.settlement.engine (incremental, in the store's SQL engine). It
is a function of the store's settled state, the usage up to the cut and the chain at the pinned
block, so every honest node that read the same inputs gets the same root, dataHash and debits
byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chain_client.eip712 import SettlementReport
from oracle.epoch.signing import settlement_report
from oracle.epoch.totals import CardKey, HeldBack
from oracle.settlement.engine import EngineResult, PendingReport


@dataclass(frozen=True, slots=True)
class EpochProposal:
    """What the coordinator asks every node to compute: the same cut read at the same block."""

    epoch: int
    config_version: int
    cut_seq: int
    block_number: int


@dataclass(frozen=True, slots=True)
class EpochComputation:
    proposal: EpochProposal
    result: EngineResult

    @property
    def root(self) -> str:
        return self.result.root

    @property
    def data_hash(self) -> str:
        return self.result.data_hash

    @property
    def data_path(self) -> Path:
        """Where this node wrote the data file (the runner publishes it from there)."""
        return self.result.data_path

    @property
    def data(self) -> bytes:
        """The data file's bytes as published (read from `data_path`)."""
        return self.result.data_path.read_bytes()

    @property
    def debits(self) -> tuple[tuple[int, int], ...]:
        return self.result.debits

    @property
    def held_back(self) -> tuple[HeldBack, ...]:
        return self.result.held_back

    @property
    def below_settled(self) -> tuple[tuple[CardKey, int, int], ...]:
        return self.result.below_settled

    @property
    def leaf_count(self) -> int:
        return self.result.leaf_count

    @property
    def included_reports(self) -> tuple[PendingReport, ...]:
        return self.result.included_reports

    @property
    def report(self) -> SettlementReport:
        return settlement_report(
            self.proposal.epoch,
            self.proposal.config_version,
            self.root,
            self.data_hash,
            self.debits,
        )
