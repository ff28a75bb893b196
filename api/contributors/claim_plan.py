"""What a claim must do on chain: which splits to pull from settlement, then what to release."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from api.chain.gateway import ChainGateway
from api.contributors.settlement_proofs import EpochLeaves, SettlementLeaf
from api.tracks.models import Track, TrackContributor
from chain_client.constants import SCALE
from chain_client.merkle import recipients_proof


@dataclass(frozen=True)
class ReleaseRequest:
    track_id: int
    split: str
    token: str
    share: int
    proof: tuple[bytes, ...]
    in_split: int
    to_pull: int

    def as_struct(self) -> tuple[Any, ...]:
        return (self.split, self.token, self.share, list(self.proof))


@dataclass
class ClaimPlan:
    epoch: int
    pulls: list[SettlementLeaf] = field(default_factory=list)
    releases: list[ReleaseRequest] = field(default_factory=list)

    @property
    def per_token(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for release in self.releases:
            totals[release.token] += release.in_split + release.to_pull
        return dict(totals)


def build_claim_plan(
    chain: ChainGateway,
    address: str,
    memberships: list[tuple[Track, list[TrackContributor]]],
    tokens_of_track: dict[int, set[str]],
    leaves: EpochLeaves | None,
) -> ClaimPlan:
    """Reads the chain: releasable amounts in each split and unpulled settlement value."""
    settlement = chain.contract("UsageSettlement")
    plan = ClaimPlan(epoch=leaves.epoch if leaves else 0)
    for track, recipients in memberships:
        ordered = sorted(recipients, key=lambda c: int(c.address, 16))
        accounts = [c.address for c in ordered]
        shares = [c.share for c in ordered]
        share = next(c.share for c in ordered if c.address.lower() == address.lower())
        proof = tuple(recipients_proof(accounts, shares, address))
        split = chain.contract("TrackSplit", track.split_address)
        for token in sorted(tokens_of_track.get(track.track_id, set())):
            in_split = int(
                chain.call(split.functions.releasable(token, address, share, list(proof)))
            )
            to_pull = 0
            leaf = (
                leaves.by_split_token.get((track.split_address.lower(), token.lower()))
                if leaves
                else None
            )
            if leaf is not None:
                already = int(chain.call(settlement.functions.pulled(track.split_address, token)))
                unpulled = max(0, leaf.cumulative_amount - already)
                if unpulled > 0:
                    plan.pulls.append(leaf)
                    to_pull = unpulled * share // SCALE
            if in_split + to_pull > 0:
                plan.releases.append(
                    ReleaseRequest(
                        track.track_id, track.split_address, token, share, proof, in_split, to_pull
                    )
                )
    return plan
