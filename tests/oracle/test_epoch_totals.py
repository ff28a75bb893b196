"""Amount arithmetic and totals advancing, without a chain: rounding, debits, holding back."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.epoch.amounts import advance_amount, class_amount
from oracle.epoch.errors import UnknownPlatform
from oracle.epoch.totals import PlatformState, Settled, advance_totals

TOKEN = "0x" + "11" * 20
ONE_UNIT = 1_000_000


def platform(pid: int, rates: tuple[int, ...], escrow: int = 10**30) -> PlatformState:
    return PlatformState(pid, TOKEN, rates, escrow)


def test_class_amount_floors_units_times_rate_over_1e12() -> None:
    # 3 streams at 0.004 base units... rate 4_000 = 0.004 base units per unit (scaled by 1e6)
    assert class_amount(3 * ONE_UNIT, 4_000) == 0
    assert class_amount(250 * ONE_UNIT, 4_000) == 1
    assert class_amount(1_999_999, 1_000_000) == 1  # 1.999999 units at 1 base unit each
    assert class_amount(10**24, 3_500_000) == 10**24 * 3_500_000 // 10**12


def test_class_amount_rejects_negative_input() -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        class_amount(-1, 5)


@settings(max_examples=200, deadline=None)
@given(
    increments=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=60),
    rate=st.integers(min_value=0, max_value=10**10),
)
def test_many_small_epochs_settle_exactly_what_one_big_epoch_does(
    increments: list[int], rate: int
) -> None:
    units = amount = 0
    for increment in increments:
        amount = advance_amount(units, amount, units + increment, rate)
        units += increment
    assert amount == class_amount(units, rate)
    exact_numerator = units * rate
    # loss below one base unit for the life of the (track, platform, class)
    assert 0 <= exact_numerator - amount * 10**12 < 10**12


def test_rate_change_keeps_settled_amount_and_prices_growth_at_new_rate() -> None:
    settled = advance_amount(0, 0, 10 * ONE_UNIT, 2_000_000)  # 10 units at 2 -> 20
    assert settled == 20
    after = advance_amount(10 * ONE_UNIT, settled, 15 * ONE_UNIT, 5_000_000)  # +5 units at 5
    assert after == 45
    assert advance_amount(10 * ONE_UNIT, settled, 8 * ONE_UNIT, 5_000_000) == settled


def test_advance_totals_over_many_epochs_matches_a_single_epoch() -> None:
    rng = random.Random(7)
    platforms = {
        1: platform(1, (3_333, 7_777, 1, 999_999, 123_457, 5)),
        2: platform(2, (400_001,) * 6),
    }
    keys = [(t, p, c) for t in range(1, 6) for p in (1, 2) for c in range(6)]
    cumulative = dict.fromkeys(keys, 0)
    settled: dict[tuple[int, int, int], Settled] = {}
    debited = {1: 0, 2: 0}
    for _ in range(300):
        for key in rng.sample(keys, 5):
            cumulative[key] += rng.randint(1, 3 * ONE_UNIT)
        step = advance_totals(settled, cumulative, platforms)
        for pid, amount in step.debits:
            debited[pid] += amount
        settled = step.totals
    one_shot = advance_totals({}, cumulative, platforms)
    assert settled == one_shot.totals
    assert debited == dict(one_shot.debits)
    for (track, pid, cls), total in settled.items():
        assert total.amount == cumulative[(track, pid, cls)] * platforms[pid].rates[cls] // 10**12


def test_underfunded_platform_is_held_back_whole() -> None:
    platforms = {
        1: platform(1, (ONE_UNIT,) * 6, escrow=5),
        2: platform(2, (ONE_UNIT,) * 6, escrow=100),
    }
    current = {(1, 1, 0): 3 * ONE_UNIT, (2, 1, 4): 3 * ONE_UNIT, (1, 2, 0): 7 * ONE_UNIT}
    step = advance_totals({}, current, platforms)
    assert step.debits == ((2, 7),)
    assert [(h.platform_id, h.debit, h.escrow) for h in step.held_back] == [(1, 6, 5)]
    assert step.changed == {(1, 2, 0): Settled(7 * ONE_UNIT, 7)}
    assert step.included_platforms == frozenset({2})
    # after a deposit the held-back usage settles in full
    funded = {**platforms, 1: platform(1, (ONE_UNIT,) * 6, escrow=6)}
    later = advance_totals(step.totals, current, funded)
    assert later.debits == ((1, 6),)
    assert later.held_back == ()


def test_nothing_new_changes_nothing() -> None:
    platforms = {1: platform(1, (ONE_UNIT,) * 6)}
    first = advance_totals({}, {(1, 1, 0): ONE_UNIT}, platforms)
    again = advance_totals(first.totals, {(1, 1, 0): ONE_UNIT}, platforms)
    assert again.changed == {}
    assert again.debits == ()


def test_a_correction_below_settled_keeps_the_settled_total_and_nets_later_growth() -> None:
    platforms = {1: platform(1, (ONE_UNIT,) * 6)}
    settled = {(4, 1, 2): Settled(5 * ONE_UNIT, 5)}
    corrected = advance_totals(settled, {(4, 1, 2): 3 * ONE_UNIT}, platforms)
    assert corrected.changed == {}
    assert corrected.totals == settled
    assert corrected.below_settled == (((4, 1, 2), 5 * ONE_UNIT, 3 * ONE_UNIT),)
    # 3 -> 7 units in the store: only the 2 units past the settled 5 are paid.
    grown = advance_totals(corrected.totals, {(4, 1, 2): 7 * ONE_UNIT}, platforms)
    assert grown.debits == ((1, 2),)
    assert grown.below_settled == ()


def test_usage_of_unregistered_platform_is_an_error() -> None:
    with pytest.raises(UnknownPlatform, match="platform 9"):
        advance_totals({}, {(1, 9, 0): 1}, {})
