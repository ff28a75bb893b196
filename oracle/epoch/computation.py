"""One epoch computed from its inputs: totals, leaves, tree, data file bytes and the Report.

A pure function of what the node read, so every honest node that read the same inputs gets the
same root, dataHash and debits byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from chain_client.eip712 import SettlementReport
from oracle.epoch.data_file import (
    EpochHeader,
    canonical_bytes,
    data_file_document,
    data_hash,
)
from oracle.epoch.signing import settlement_report
from oracle.epoch.totals import PlatformState, Settled, TotalKey, TotalsAdvance, advance_totals
from oracle.epoch.tree_builder import LeafEntry, build_tree, leaves_from_totals
from oracle.store.epoch_repository import PendingReport


@dataclass(frozen=True, slots=True)
class EpochProposal:
    """What the coordinator asks every node to compute: the same cut read at the same block."""

    epoch: int
    config_version: int
    cut_seq: int
    block_number: int


@dataclass(frozen=True, slots=True)
class EpochInputs:
    settled: Mapping[TotalKey, Settled]
    current_units: Mapping[TotalKey, int]
    platforms: Mapping[int, PlatformState]
    split_of_track: Mapping[int, str]
    pending_reports: Sequence[PendingReport]


@dataclass(frozen=True, slots=True)
class EpochComputation:
    proposal: EpochProposal
    advance: TotalsAdvance
    leaves: list[LeafEntry]
    root: str
    data: bytes
    data_hash: str
    included_reports: list[PendingReport]

    @property
    def report(self) -> SettlementReport:
        return settlement_report(
            self.proposal.epoch,
            self.proposal.config_version,
            self.root,
            self.data_hash,
            self.advance.debits,
        )


def advance_for(inputs: EpochInputs) -> TotalsAdvance:
    return advance_totals(inputs.settled, inputs.current_units, inputs.platforms)


def compute_epoch(
    proposal: EpochProposal,
    inputs: EpochInputs,
    advance: TotalsAdvance,
    *,
    chain_id: int,
    settlement: str,
) -> EpochComputation:
    """Builds the tree and data file of an epoch whose totals advance is `advance`."""
    leaves = leaves_from_totals(
        advance.totals,
        inputs.split_of_track,
        {pid: p.token for pid, p in inputs.platforms.items()},
    )
    tree = build_tree(leaves)
    proofs = [tree.get_proof_hex(i) for i in range(len(leaves))]
    included = [r for r in inputs.pending_reports if r.platform_id in advance.included_platforms]
    header = EpochHeader(
        epoch=proposal.epoch,
        chain_id=chain_id,
        settlement=settlement,
        config_version=proposal.config_version,
        cut_seq=proposal.cut_seq,
        block_number=proposal.block_number,
        root=tree.root_hex,
    )
    document = data_file_document(
        header,
        inputs.platforms,
        advance.debits,
        advance.held_back,
        advance.below_settled,
        [(r.platform_id, r.report_id) for r in included],
        leaves,
        proofs,
    )
    content = canonical_bytes(document)
    return EpochComputation(
        proposal=proposal,
        advance=advance,
        leaves=leaves,
        root=tree.root_hex,
        data=content,
        data_hash=data_hash(content),
        included_reports=included,
    )
