"""Amount arithmetic: integers in token base units, always floored, always from cumulative totals.

Rounding rules (docs/INTERFACES.md):
- amount(track, platform, class) = floor(cumulativeMicroUnits * rate / (UNIT_SCALE * RATE_SCALE)),
  recomputed from the cumulative total every epoch, so the loss is below one base unit per
  (track, platform, class) for its whole life, however many epochs it is split into.
- When a platform's rate for a class changes, what was already settled keeps its price: the new
  amount is settledAmount + floor(units * rate / S) - floor(settledUnits * rate / S) with the
  current rate. While the rate stays the same this telescopes to exactly floor(units * rate / S);
  each rate change can add at most one more base unit of loss for that (track, platform, class).
"""

from __future__ import annotations

from chain_client.constants import RATE_SCALE, UNIT_SCALE

AMOUNT_DIVISOR = UNIT_SCALE * RATE_SCALE


def class_amount(cumulative_micro_units: int, rate: int) -> int:
    """Base units owed for `cumulative_micro_units` at `rate` (RATE_SCALE-scaled)."""
    if cumulative_micro_units < 0 or rate < 0:
        raise ValueError(f"units and rate must be >= 0, got {cumulative_micro_units} and {rate}")
    return cumulative_micro_units * rate // AMOUNT_DIVISOR


def advance_amount(settled_units: int, settled_amount: int, units: int, rate: int) -> int:
    """Cumulative amount after growing from `settled_units` (worth `settled_amount`) to `units`.

    Units corrected below what was settled keep the settled amount: a settled cumulative amount
    never goes down (see oracle.epoch.totals).
    """
    if units <= settled_units:
        return settled_amount
    return settled_amount + class_amount(units, rate) - class_amount(settled_units, rate)
