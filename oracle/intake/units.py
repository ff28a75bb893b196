"""Parsing unit counts and attribution weights (integers only, never floats).

Every numeric field of every format (JSON, CSV, DDEX DSR: units, weights, NumberOfUsages, period
bounds, ids) goes through `parse_count` before any conversion: ASCII digits only (no sign, no
spaces inside, no full-width or Arabic-Indic digits, no ``_`` separators that Python's ``int``
would accept), and at most `max_digits` of them, so ``int()`` never sees a huge or exotic string.
"""

from __future__ import annotations

import re

from chain_client.constants import UNIT_SCALE

#: Digits of a unit count: 10^12 - 1 units (10^18 micro-units) fits a signed 64-bit column.
MAX_UNIT_DIGITS = 12
#: Digits of a 1e6-scaled attribution weight (at most 1000000).
MAX_WEIGHT_DIGITS = 7
#: Digits of a unix time, an id or a count in metadata (2^63 - 1 has 19 digits).
MAX_ID_DIGITS = 19

_ASCII_DIGITS = re.compile(r"[0-9]+")


def is_plain_count(text: str, max_digits: int = MAX_UNIT_DIGITS) -> bool:
    """True when `text` is 1..max_digits ASCII digits (the fast path's whole check)."""
    return 0 < len(text) <= max_digits and text.isascii() and text.isdigit()


def parse_count(
    text: str, max_digits: int = MAX_UNIT_DIGITS, what: str = "units"
) -> tuple[int | None, str | None]:
    """(value, None) for 1..max_digits ASCII digits (surrounding spaces allowed), else (None, why).

    The reason names what is wrong with the value: missing, negative, a fraction, NaN, too many
    digits, non-ASCII digits, or not a number at all.
    """
    value = text.strip()
    if _ASCII_DIGITS.fullmatch(value):
        if len(value) > max_digits:
            return None, (
                f"{what} must be at most {max_digits} digits (below 10^{max_digits}), "
                f"got {len(value)} digits"
            )
        return int(value), None
    if not value:
        return None, f"{what} {'are' if what.endswith('s') else 'is'} missing"
    shown = value if len(value) <= 40 else value[:40] + "..."
    if value[0] in "-+" and _ASCII_DIGITS.fullmatch(value[1:]):
        if value[0] == "+":
            return None, f"{what} must be plain digits without a sign, got {shown!r}"
        return None, f"{what} must not be negative, got {shown}"
    lowered = value.lower()
    if lowered in ("nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
        return None, f"{what} must be a whole number, got {shown!r} (not a number)"
    if value.lower().startswith("0x"):
        return None, f"{what} must be decimal digits, got {shown!r} (hexadecimal)"
    if any(ch.isdigit() for ch in value) and not value.isascii():
        return None, f"{what} must use ASCII digits 0-9 only, got {shown!r}"
    if re.fullmatch(r"[+-]?[0-9]*\.[0-9]*([eE][+-]?[0-9]+)?|[+-]?[0-9]+[eE][+-]?[0-9]+", value):
        return None, f"{what} must be a whole number, got {shown!r} (a fraction or exponent)"
    return None, f"{what} must be a whole number, got {shown!r}"


def parse_units(text: str) -> tuple[int | None, str | None]:
    """(units, None) for a whole number of at most MAX_UNIT_DIGITS digits, else (None, why)."""
    return parse_count(text, MAX_UNIT_DIGITS, "units")


def parse_weight(text: str) -> tuple[int | None, str | None]:
    """(weight, None) for a non-negative integer of at most MAX_WEIGHT_DIGITS digits."""
    return parse_count(text, MAX_WEIGHT_DIGITS, "weight")


def check_weights(weights: list[int]) -> str | None:
    """Why an attribution's weights are invalid, or None. They must be positive and sum to 1e6."""
    if not weights:
        return "attribution is empty (it needs at least one {track, weight})"
    if any(w <= 0 for w in weights):
        return "attribution weights must be positive"
    total = sum(weights)
    if total != UNIT_SCALE:
        return f"attribution weights sum to {total}, expected exactly {UNIT_SCALE} (1.0)"
    return None
