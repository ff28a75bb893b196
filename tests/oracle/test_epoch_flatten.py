"""Property tests of the flattening rules (oracle.settlement.flatten), with hypothesis."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.settlement.flatten import (
    MAX_SPLIT_DEPTH,
    SHARE_SCALE,
    RecipientList,
    account_credits,
    check_list,
    credits,
    dust_bound,
    flatten_split,
    path_credit,
)

ACCOUNTS = [f"0x{i:040x}" for i in range(1, 9)]
SPLITS = [f"0x{0x5000 + i:040x}" for i in range(6)]


@st.composite
def split_graphs(draw: st.DrawFn) -> dict[str, RecipientList]:
    """Up to 6 splits listing 1-5 recipients among 8 accounts and the splits (cycles allowed)."""
    graph: dict[str, RecipientList] = {}
    for split in SPLITS[: draw(st.integers(1, len(SPLITS)))]:
        pool = ACCOUNTS + SPLITS
        chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=5, unique=True))
        recipients = sorted(chosen, key=lambda a: int(a, 16))
        cuts = sorted(
            draw(
                st.lists(
                    st.integers(1, SHARE_SCALE - 1),
                    min_size=len(recipients) - 1,
                    max_size=len(recipients) - 1,
                    unique=True,
                )
            )
        )
        bounds = [0, *cuts, SHARE_SCALE]
        shares = [bounds[i + 1] - bounds[i] for i in range(len(recipients))]
        graph[split] = RecipientList(tuple(recipients), tuple(shares))
    return graph


amounts = st.one_of(st.integers(0, 10**6), st.integers(0, 2**200))


@settings(max_examples=120, deadline=None)
@given(split_graphs(), amounts)
def test_credits_never_exceed_the_track_amount_and_dust_stays_below_the_path_count(
    graph: dict[str, RecipientList], amount: int
) -> None:
    paths = flatten_split(SPLITS[0], graph.get)
    per_account = account_credits(amount, paths)
    assert sum(per_account.values()) <= amount
    dust = amount - sum(per_account.values())
    assert 0 <= dust < dust_bound(paths)
    # The exact path fractions cover the track exactly: nothing is lost but the floors.
    assert sum(Fraction(p.product, SHARE_SCALE**p.depth) for p in paths) == 1
    assert all(1 <= p.depth <= MAX_SPLIT_DEPTH for p in paths)
    assert all(p.via[0] == SPLITS[0] and len(p.via) == p.depth for p in paths)


@settings(max_examples=60, deadline=None)
@given(split_graphs(), amounts, amounts)
def test_credits_grow_with_the_cumulative_amount_so_leaves_never_fall(
    graph: dict[str, RecipientList], first: int, more: int
) -> None:
    paths = flatten_split(SPLITS[0], graph.get)
    before = credits(first, paths)
    after = credits(first + more, paths)
    assert all(b <= a for b, a in zip(before, after, strict=True))


@settings(max_examples=60, deadline=None)
@given(split_graphs())
def test_a_split_met_below_the_depth_limit_is_itself_the_account(
    graph: dict[str, RecipientList],
) -> None:
    for path in flatten_split(SPLITS[0], graph.get):
        if path.account in graph:  # a known split as terminal: only past the depth limit
            assert path.depth == MAX_SPLIT_DEPTH


def test_nested_splits_multiply_shares_with_one_floor_per_path() -> None:
    remix, original = SPLITS[0], SPLITS[1]
    a, b, c = ACCOUNTS[:3]
    graph = {
        remix: RecipientList((a, original), (300_000, 700_000)),
        original: RecipientList((b, c), (333_333, 666_667)),
    }
    paths = flatten_split(remix, graph.get)
    assert [(p.account, p.via, p.product, p.depth) for p in paths] == [
        (a, (remix,), 300_000, 1),
        (b, (remix, original), 700_000 * 333_333, 2),
        (c, (remix, original), 700_000 * 666_667, 2),
    ]
    amount = 10**18 + 7
    got = account_credits(amount, paths)
    assert got == {
        a: amount * 300_000 // 10**6,
        b: amount * 700_000 * 333_333 // 10**12,
        c: amount * 700_000 * 666_667 // 10**12,
    }
    # Floor once on the whole path, not once per level (that would lose more).
    per_level = (amount * 700_000 // 10**6) * 333_333 // 10**6
    assert got[b] >= per_level


def test_an_account_on_several_paths_of_one_track_gets_the_sum_of_its_floors() -> None:
    top, inner = SPLITS[0], SPLITS[1]
    a, b = ACCOUNTS[:2]
    graph = {
        top: RecipientList((a, inner), (500_000, 500_000)),
        inner: RecipientList((a, b), (500_000, 500_000)),
    }
    paths = flatten_split(top, graph.get)
    assert account_credits(1001, paths) == {a: 500 + 250, b: 250}


def test_a_split_that_settles_to_itself_or_is_unverified_is_the_account() -> None:
    graph = {SPLITS[0]: RecipientList((ACCOUNTS[0],), (SHARE_SCALE,))}
    own = flatten_split(SPLITS[0], graph.get, settle_to_split=True)
    assert [(p.account, p.via, p.product, p.depth) for p in own] == [(SPLITS[0], (), 1, 0)]
    assert account_credits(12345, own) == {SPLITS[0]: 12345}
    unknown = flatten_split(SPLITS[1], graph.get)
    assert [(p.account, p.depth) for p in unknown] == [(SPLITS[1], 0)]
    # A nested split whose track settles to it: list_of answers None, so it is an account.
    graph[SPLITS[0]] = RecipientList((ACCOUNTS[0], SPLITS[1]), (1, SHARE_SCALE - 1))
    nested = flatten_split(SPLITS[0], {SPLITS[0]: graph[SPLITS[0]]}.get)
    assert [p.account for p in nested] == [ACCOUNTS[0], SPLITS[1]]


def test_a_cycle_is_cut_at_the_depth_limit() -> None:
    x, y = SPLITS[0], SPLITS[1]
    graph = {
        x: RecipientList((ACCOUNTS[0], y), (500_000, 500_000)),
        y: RecipientList((ACCOUNTS[1], x), (500_000, 500_000)),
    }
    paths = flatten_split(x, graph.get)
    assert [(p.account, p.depth) for p in paths] == [
        (ACCOUNTS[0], 1),
        (ACCOUNTS[1], 2),
        (ACCOUNTS[0], 3),
        (ACCOUNTS[1], 4),
        (x, 4),  # met at depth 5: the split itself is the account
    ]
    assert path_credit(16 * 10**6, paths[-1].product, paths[-1].depth) == 10**6


def test_recipient_lists_must_be_what_a_split_accepts() -> None:
    assert check_list([ACCOUNTS[0]], [SHARE_SCALE]) is None
    assert check_list([], []) == "a split needs at least one recipient"
    assert check_list([ACCOUNTS[1], ACCOUNTS[0]], [1, SHARE_SCALE - 1]) is not None
    assert check_list([ACCOUNTS[0], ACCOUNTS[1]], [1, 2]) == "shares sum to 3, not 1000000"
    assert (
        check_list([ACCOUNTS[0], ACCOUNTS[1]], [0, SHARE_SCALE]) == "every share must be positive"
    )
