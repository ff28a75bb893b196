"""Flattening a track's cumulative amount through its split (and nested splits) onto accounts.

Rules (docs/settlement-data-file.md, "Flattening"):

- A track's split S lists recipients (r_i, s_i) with shares out of SHARE_SCALE = 1e6 summing to
  1e6 (the on-chain TrackSplit list, checked against the split's ``recipientsRoot()``).
- A recipient that is itself a split known to the oracle (a registered track's split whose
  recipient list was verified against the chain) is expanded recursively, unless its own track
  was registered with settleToSplit.
- Depth: the track's own split is depth 1. A split met at depth > MAX_SPLIT_DEPTH (4) is not
  expanded: it is itself the account, and its recipients release from it on chain. A cycle
  (a split reached again below itself) is cut by the same rule.
- A track registered with settleToSplit, or whose split's recipient list is not verified, is not
  flattened: its split is the account, with the whole amount.
- Rounding: along a terminal path p = (s_1, ..., s_d) the credit is
  floor(A * prod(s) / 1e6^d), ONE floor per (track, account path) on the cumulative amount A,
  so rounding never compounds across epochs or nesting levels. An account reached by several
  paths of one track gets the sum of its path floors.
- Dust: the exact path amounts sum to A, each floor loses less than one base unit, so per
  (track, token) 0 <= A - sum(credits) < number of terminal paths (``dust_bound``).

A track's flattening is fixed the first time it is settled (oracle_track_paths): a recipient
registered as a split later does not change it, so no account's cumulative amount ever falls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

SHARE_SCALE = 1_000_000
MAX_SPLIT_DEPTH = 4


@dataclass(frozen=True, slots=True)
class RecipientList:
    recipients: tuple[str, ...]
    shares: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FlatPath:
    """One terminal path: `account` is paid `product / 1e6^depth` of the track's amount.

    `via` lists the splits from the track's split down to the split that lists `account`
    (empty, with depth 0 and product 1, when the track's split is itself the account).
    """

    account: str
    via: tuple[str, ...]
    product: int
    depth: int


ListOf = Callable[[str], RecipientList | None]
"""A verified recipient list of a split, or None when the address is not an expandable split."""


def flatten_split(split: str, list_of: ListOf, *, settle_to_split: bool = False) -> list[FlatPath]:
    """The terminal paths of a track whose split is `split`, in depth-first recipient order.

    `list_of(address)` gives the verified recipient list of an expandable split (None for a plain
    account, an unknown or unverified split, or a split whose track settles to the split).
    """
    top = None if settle_to_split else list_of(split)
    if top is None:
        return [FlatPath(split, (), 1, 0)]
    paths: list[FlatPath] = []

    def walk(current: str, listed: RecipientList, via: tuple[str, ...], product: int) -> None:
        depth = len(via) + 1
        path = (*via, current)
        for recipient, share in zip(listed.recipients, listed.shares, strict=True):
            nested = list_of(recipient) if depth + 1 <= MAX_SPLIT_DEPTH else None
            if nested is None:
                paths.append(FlatPath(recipient, path, product * share, depth))
            else:
                walk(recipient, nested, path, product * share)

    walk(split, top, (), 1)
    return paths


def path_credit(amount: int, product: int, depth: int) -> int:
    """floor(amount * product / 1e6^depth): the one floor of a (track, account path)."""
    if amount < 0 or product < 0 or depth < 0:
        raise ValueError(f"amount, product and depth must be >= 0: {amount}, {product}, {depth}")
    credit: int = amount * product // SHARE_SCALE**depth
    return credit


def credits(amount: int, paths: Sequence[FlatPath]) -> list[int]:
    """The credit of every path (same order)."""
    return [path_credit(amount, p.product, p.depth) for p in paths]


def account_credits(amount: int, paths: Sequence[FlatPath]) -> dict[str, int]:
    """Per account, the sum of its path floors."""
    found: dict[str, int] = {}
    for path, credit in zip(paths, credits(amount, paths), strict=True):
        found[path.account] = found.get(path.account, 0) + credit
    return found


def dust_bound(paths: Iterable[FlatPath]) -> int:
    """Dust per (track, token) is strictly below the number of terminal paths."""
    return sum(1 for _ in paths)


def check_list(recipients: Sequence[str], shares: Sequence[int]) -> str | None:
    """Why a recipient list cannot be a split's list (None when it can)."""
    if not recipients:
        return "a split needs at least one recipient"
    if len(recipients) != len(shares):
        return f"{len(recipients)} recipients but {len(shares)} shares"
    if any(s <= 0 for s in shares):
        return "every share must be positive"
    if sum(shares) != SHARE_SCALE:
        return f"shares sum to {sum(shares)}, not {SHARE_SCALE}"
    keys = [int(r, 16) for r in recipients]
    if keys != sorted(set(keys)):
        return "recipients must be strictly ascending by address"
    return None
