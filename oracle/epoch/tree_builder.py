"""Settlement leaves (split, token, cumulativeAmount, cumulativeUnits[6]) and their Merkle tree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chain_client.constants import NUM_CLASSES
from chain_client.merkle import StandardMerkleTree, settlement_leaf_types
from oracle.epoch.errors import UnknownPlatform, UnknownTrack
from oracle.epoch.totals import Settled, TotalKey


@dataclass(frozen=True, slots=True)
class PlatformUsage:
    """One platform's share of a leaf: cumulative micro-units and amounts per class."""

    platform_id: int
    units: tuple[int, ...]
    amounts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LeafEntry:
    track_id: int
    split: str
    token: str
    cumulative_amount: int
    cumulative_units: tuple[int, ...]
    platforms: tuple[PlatformUsage, ...]

    def value(self) -> list[object]:
        """The leaf's value in `settlement_leaf_types` order."""
        return [self.split, self.token, self.cumulative_amount, list(self.cumulative_units)]


def leaves_from_totals(
    totals: Mapping[TotalKey, Settled],
    split_of_track: Mapping[int, str],
    token_of_platform: Mapping[int, str],
) -> list[LeafEntry]:
    """One leaf per (track's split, token), summing platforms and classes; by track, token."""
    grouped: dict[tuple[int, str], dict[int, tuple[list[int], list[int]]]] = {}
    for (track_id, platform_id, usage_class), total in totals.items():
        token = token_of_platform.get(platform_id)
        if token is None:
            raise UnknownPlatform(platform_id)
        per_platform = grouped.setdefault((track_id, token), {})
        units, amounts = per_platform.setdefault(
            platform_id, ([0] * NUM_CLASSES, [0] * NUM_CLASSES)
        )
        units[usage_class] = total.micro_units
        amounts[usage_class] = total.amount

    leaves: list[LeafEntry] = []
    for (track_id, token), per_platform in sorted(grouped.items()):
        split = split_of_track.get(track_id)
        if split is None:
            raise UnknownTrack(track_id)
        cumulative_units = [0] * NUM_CLASSES
        cumulative_amount = 0
        usages: list[PlatformUsage] = []
        for platform_id, (units, amounts) in sorted(per_platform.items()):
            for usage_class in range(NUM_CLASSES):
                cumulative_units[usage_class] += units[usage_class]
            cumulative_amount += sum(amounts)
            usages.append(PlatformUsage(platform_id, tuple(units), tuple(amounts)))
        leaves.append(
            LeafEntry(
                track_id=track_id,
                split=split,
                token=token,
                cumulative_amount=cumulative_amount,
                cumulative_units=tuple(cumulative_units),
                platforms=tuple(usages),
            )
        )
    return leaves


def build_tree(leaves: list[LeafEntry]) -> StandardMerkleTree:
    """The StandardMerkleTree of the leaves; `tree.get_proof(i)` is the proof of `leaves[i]`."""
    return StandardMerkleTree.of([leaf.value() for leaf in leaves], settlement_leaf_types)
