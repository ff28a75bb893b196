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
        per_platform = grouped.get((track_id, token))
        if per_platform is None:
            per_platform = grouped[(track_id, token)] = {}
        slot = per_platform.get(platform_id)
        if slot is None:
            slot = per_platform[platform_id] = ([0] * NUM_CLASSES, [0] * NUM_CLASSES)
        slot[0][usage_class] = total.micro_units
        slot[1][usage_class] = total.amount

    leaves: list[LeafEntry] = []
    for (track_id, token), per_platform in sorted(grouped.items()):
        split = split_of_track.get(track_id)
        if split is None:
            raise UnknownTrack(track_id)
        usages = [
            PlatformUsage(platform_id, tuple(units), tuple(amounts))
            for platform_id, (units, amounts) in sorted(per_platform.items())
        ]
        if len(usages) == 1:
            cumulative_units = usages[0].units
        else:
            cumulative_units = tuple(map(sum, zip(*(u.units for u in usages), strict=True)))
        leaves.append(
            LeafEntry(
                track_id=track_id,
                split=split,
                token=token,
                cumulative_amount=sum(sum(u.amounts) for u in usages),
                cumulative_units=cumulative_units,
                platforms=tuple(usages),
            )
        )
    return leaves


def build_tree(leaves: list[LeafEntry]) -> StandardMerkleTree:
    """The StandardMerkleTree of the leaves; `tree.get_proof(i)` is the proof of `leaves[i]`."""
    return StandardMerkleTree.of([leaf.value() for leaf in leaves], settlement_leaf_types)
