"""How a track's settled amount reaches one account, per the published flattening rule.

A track's split pays its recipients by share (out of 1e6); a recipient that is itself a known
split is expanded recursively (oracle.settlement, docs). Along a path p = (s_1, ..., s_d) the
account is credited floor(A x s_1 x ... x s_d / 1e6^d) of the track's cumulative amount A in a
token: one floor per (track, account path), always of cumulative totals. The dashboard and the
transparency report apply exactly this rule to the track's cumulative amount after each epoch,
so their per-track and per-epoch figures add up to the account's leaf.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from api.contributors.repository import EpochMovement
from chain_client.constants import SCALE
from oracle.settlement.addresses import checksum, stored
from oracle.settlement.tables import track_paths

_CHUNK = 500


@dataclass(frozen=True)
class AccountPath:
    """One way a track pays the account: the splits from the track's split down, and the
    product of the shares along it (out of 1e6^depth)."""

    path: tuple[str, ...]
    product: int
    depth: int


def account_paths(
    conn: Connection, account: str, tracks: Mapping[int, tuple[str, int | None]]
) -> dict[int, list[AccountPath]]:
    """The account's terminal paths in each track's stored flattening (two queries).

    `tracks` maps a track id to (its split, the account's direct share or None). Before the
    oracle flattened a track (no epoch settled it yet), a direct recipient's one path is the
    track's split with its share."""
    ids = sorted(tracks)
    found: dict[int, list[AccountPath]] = {t: [] for t in ids}
    flattened: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        flattened |= {
            int(t)
            for (t,) in conn.execute(
                select(track_paths.c.track_id).where(track_paths.c.track_id.in_(chunk)).distinct()
            )
        }
        rows = conn.execute(
            select(
                track_paths.c.track_id,
                track_paths.c.via,
                track_paths.c.product,
                track_paths.c.depth,
            )
            .where(track_paths.c.track_id.in_(chunk), track_paths.c.account == stored(account))
            .order_by(track_paths.c.track_id, track_paths.c.seq)
        )
        for track_id, via, product, depth in rows:
            path = tuple(checksum(a) for a in str(via).split(",") if a)
            found[int(track_id)].append(AccountPath(path, int(product), int(depth)))
    for track_id, (split, share) in tracks.items():
        if track_id not in flattened and share is not None:
            found[track_id] = [AccountPath((checksum(split),), share, 1)]
    return found


def credited(amount: int, paths: Iterable[AccountPath]) -> int:
    """What the account is credited of a track's cumulative `amount`: one floor per path."""
    return sum(amount * p.product // SCALE**p.depth for p in paths)


def cumulative_by_epoch(
    movements: Sequence[EpochMovement], tokens: dict[int, str]
) -> dict[tuple[int, str], list[tuple[int, int, int]]]:
    """(track, token) -> [(epoch, cumulative micro-units, cumulative amount)], oldest first.

    `movements` are the cumulative (platform, class) totals after each epoch that moved them,
    oldest first; a track's cumulative amount in a token is their sum over its platforms and
    classes paying in that token."""
    latest: dict[tuple[int, int, int], tuple[int, int]] = {}
    sums: dict[tuple[int, str], tuple[int, int]] = {}
    series: dict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
    for m in movements:
        key = (m.track_id, tokens.get(m.platform_id, ""))
        before_units, before_amount = latest.get((m.track_id, m.platform_id, m.usage_class), (0, 0))
        latest[(m.track_id, m.platform_id, m.usage_class)] = (m.micro_units, m.amount)
        units, amount = sums.get(key, (0, 0))
        units, amount = units + m.micro_units - before_units, amount + m.amount - before_amount
        sums[key] = (units, amount)
        points = series[key]
        if points and points[-1][0] == m.epoch:
            points[-1] = (m.epoch, units, amount)
        else:
            points.append((m.epoch, units, amount))
    return dict(series)
