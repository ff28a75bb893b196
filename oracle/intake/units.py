"""Parsing unit counts and attribution weights (integers only, never floats)."""

from __future__ import annotations

from chain_client.constants import UNIT_SCALE


def parse_units(text: str) -> tuple[int | None, str | None]:
    """(units, None) for a non-negative integer, else (None, why not)."""
    value = text.strip()
    if value.isdigit() and value.isascii():
        return int(value), None
    if value.startswith("-") and value[1:].isdigit():
        return None, f"units must not be negative, got {value}"
    if not value:
        return None, "units are missing"
    return None, f"units must be a whole number, got {value!r}"


def check_weights(weights: list[int]) -> str | None:
    """Why an attribution's weights are invalid, or None. They must be positive and sum to 1e6."""
    if not weights:
        return "attribution is empty"
    if any(w <= 0 for w in weights):
        return "attribution weights must be positive"
    total = sum(weights)
    if total != UNIT_SCALE:
        return f"attribution weights sum to {total}, expected exactly {UNIT_SCALE} (1.0)"
    return None
