"""Advancing the settled cumulative totals to the usage in the store, with per-platform debits.

A platform whose escrow cannot cover its debit is held back whole: all its totals stay at their
settled values, so its usage rolls into a later epoch.

A correction can bring a store total below what was already settled. Settled cumulative amounts
never go down on chain (pull pays cumulative minus pulled), so such a total stays at its settled
value and is reported as `below_settled`; later growth is only paid once it passes that value,
which nets the over-payment out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from chain_client.constants import NUM_CLASSES
from oracle.epoch.amounts import advance_amount
from oracle.epoch.errors import EpochError, InvalidUsageClass, UnknownPlatform

TotalKey = tuple[int, int, int]
"""(track id, platform id, usage class)."""
CardKey = tuple[int, int, int, int]
"""(track id, platform id, usage class, effectiveFrom of the rate card pricing the units)."""


@dataclass(frozen=True, slots=True)
class Settled:
    """One (track, platform, class) cumulative total: micro-units and what they are worth."""

    micro_units: int
    amount: int


@dataclass(frozen=True, slots=True)
class PlatformState:
    """What the chain says about a platform at the epoch's pinned block."""

    platform_id: int
    token: str
    rates: tuple[int, ...]
    """The card in force at the pinned block."""
    escrow: int
    cards: tuple[tuple[int, tuple[int, ...]], ...] = ()
    """Every rate card (effectiveFrom, rates), ascending; () = one card, `rates`, from 0."""
    block_time: int = 0
    """Timestamp of the pinned block (0: unknown, no period check)."""

    @property
    def rate_cards(self) -> tuple[tuple[int, tuple[int, ...]], ...]:
        return self.cards or ((0, self.rates),)

    def rate_from_at(self, timestamp: int) -> int:
        """The effectiveFrom of the card in force at `timestamp` (the chain's ratesAt rule)."""
        chosen = 0
        for effective_from, _rates in self.rate_cards:
            if effective_from <= timestamp:
                chosen = effective_from
        return chosen

    def rates_from(self, rate_from: int) -> tuple[int, ...]:
        """The rates of the card effective from `rate_from`."""
        for effective_from, rates in self.rate_cards:
            if effective_from == rate_from:
                return rates
        raise EpochError(f"platform {self.platform_id} has no rate card from {rate_from}")


@dataclass(frozen=True, slots=True)
class HeldBack:
    platform_id: int
    debit: int
    escrow: int
    reason: str = ""
    """Why, when it is not the escrow: the platform's stored usage could not be settled (a sum
    over 64 bits, an invalid row); logged and written into the epoch's note, not the data file."""


K = TypeVar("K", TotalKey, CardKey)


@dataclass(frozen=True, slots=True)
class TotalsAdvance(Generic[K]):
    totals: dict[K, Settled]
    """Every cumulative total after this epoch (settled ones included)."""
    changed: dict[K, Settled]
    """Only the totals this epoch moves."""
    debits: tuple[tuple[int, int], ...]
    """(platform id, amount) for every platform debited, ascending by id, amounts > 0."""
    held_back: tuple[HeldBack, ...]
    included_platforms: frozenset[int]
    """Platforms whose usage up to the cut is in this epoch (not held back)."""
    below_settled: tuple[tuple[K, int, int], ...] = ()
    """(key, settled micro-units, store micro-units) where a correction went below settled."""


_ZERO = Settled(0, 0)


def advance_totals(
    settled: Mapping[K, Settled],
    current_units: Mapping[K, int],
    platforms: Mapping[int, PlatformState],
) -> TotalsAdvance[K]:
    """Moves `settled` to `current_units` (cumulative micro-units in the store at the cut).

    Keys are (track, platform, class), priced by the platform's card in force at the pinned
    block, or (track, platform, class, rateFrom), priced by the card effective from rateFrom."""
    below_settled = tuple(
        (key, total.micro_units, current_units.get(key, 0))
        for key, total in sorted(settled.items())
        if current_units.get(key, 0) < total.micro_units
    )

    changes: dict[int, dict[K, Settled]] = {}
    debit_of: dict[int, int] = {}
    for key, units in current_units.items():
        previous = settled.get(key, _ZERO)
        if units <= previous.micro_units:
            continue
        platform_id, usage_class = key[1], key[2]
        if not 0 <= usage_class < NUM_CLASSES:
            raise InvalidUsageClass(usage_class)
        platform = platforms.get(platform_id)
        if platform is None:
            raise UnknownPlatform(platform_id)
        rates = platform.rates_from(key[3]) if len(key) > 3 else platform.rates
        amount = advance_amount(previous.micro_units, previous.amount, units, rates[usage_class])
        changes.setdefault(platform_id, {})[key] = Settled(units, amount)
        debit_of[platform_id] = debit_of.get(platform_id, 0) + amount - previous.amount

    held_back = tuple(
        HeldBack(pid, debit, platforms[pid].escrow)
        for pid, debit in sorted(debit_of.items())
        if debit > platforms[pid].escrow
    )
    held_ids = {h.platform_id for h in held_back}
    changed: dict[K, Settled] = {}
    for platform_id, platform_changes in changes.items():
        if platform_id not in held_ids:
            changed.update(platform_changes)
    totals = dict(settled)
    totals.update(changed)
    debits = tuple(
        (pid, debit) for pid, debit in sorted(debit_of.items()) if pid not in held_ids and debit > 0
    )
    included = frozenset(pid for pid in platforms if pid not in held_ids)
    return TotalsAdvance(totals, changed, debits, held_back, included, below_settled)
