"""Protocol constants shared with the contracts (see docs/INTERFACES.md, Constants)."""

from __future__ import annotations

from enum import IntEnum
from typing import Final

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address

#: ERC-7528 stand-in address for native ETH wherever a token address is expected.
NATIVE_TOKEN: Final[ChecksumAddress] = to_checksum_address(
    "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"
)
#: Split shares are parts of SCALE (1e6 = 100%).
SCALE: Final = 1_000_000
MAX_RECIPIENTS: Final = 200
#: Usage units are fixed point: 1e6 micro-units are one stream or generation.
UNIT_SCALE: Final = 1_000_000
#: Rate cards are token base units per unit, scaled by 1e6.
RATE_SCALE: Final = 1_000_000
NUM_CLASSES: Final = 6
MIN_TIER: Final = 1
MAX_TIER: Final = 6


class UsageClass(IntEnum):
    STREAM = 0
    DOWNLOAD = 1
    UGC_VIDEO = 2
    SYNC = 3
    AI_GENERATION = 4
    AI_REMIX = 5


AI_CLASSES: Final = frozenset({UsageClass.AI_GENERATION, UsageClass.AI_REMIX})

#: Licence tier -> bitmask of allowed usage classes (bit i = class i), cumulative.
TIER_MASKS: Final[dict[int, int]] = {
    tier: (1 << tier) - 1 for tier in range(MIN_TIER, MAX_TIER + 1)
}


def tier_allows(tier: int, usage_class: int) -> bool:
    """Whether licence `tier` allows `usage_class` (unknown tiers allow nothing)."""
    mask = TIER_MASKS.get(tier, 0)
    return 0 <= usage_class < NUM_CLASSES and (mask >> usage_class) & 1 == 1


def amount_for_units(cumulative_micro_units: int, rate: int) -> int:
    """Token base units owed for cumulative micro-units at a scaled rate (always floored)."""
    return cumulative_micro_units * rate // (UNIT_SCALE * RATE_SCALE)
