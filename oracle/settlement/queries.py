"""What the API reads about per-account settlement: the latest posted epoch, an account's leaves
with their proofs (a lookup of stored tree levels, nothing is rebuilt), and the tracks an
account's amount came from.

Every function takes a Connection and accepts addresses in any case; addresses come back
checksummed. Leaves and tree levels are kept for the latest confirmed epoch and newer ones
(older epochs return None: their roots can no longer be claimed against).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exists, func, or_, select

from oracle.epoch.tables import epochs
from oracle.settlement.addresses import checksum, stored
from oracle.settlement.flatten import path_credit
from oracle.settlement.tables import (
    epoch_track_amounts,
    leaf_positions,
    leaf_versions,
    leaves_of_accounts,
    track_paths,
    tree_chunks,
)
from oracle.settlement.tree import proof_positions
from oracle.settlement.tree_store import CHUNK, node_of
from oracle.store.schema import tracks

#: Epoch statuses whose root the chain accepted: posted (pending its delay) or confirmed.
POSTED_STATUSES = ("posted", "confirmed")


@dataclass(frozen=True)
class SettledEpoch:
    epoch: int
    root: str
    data_hash: str
    data_path: str
    tx_hash: str | None
    status: str


@dataclass(frozen=True)
class AccountLeaf:
    epoch: int
    account: str
    token: str
    cumulative_amount: int
    proof: list[str]


@dataclass(frozen=True)
class AccountSource:
    """One path credit: `amount` of `token` reached `account` from `track_id` through `path`.

    `path` lists the splits from the track's split (first) to the split whose recipient the
    account is; it is empty when the track's split is itself the account.
    """

    track_id: int
    split: str
    path: tuple[str, ...]
    token: str
    amount: int
    last_epoch: int


def _settled_epoch(row: Any) -> SettledEpoch:
    m = row._mapping
    return SettledEpoch(
        epoch=int(m["epoch"]),
        root=str(m["root"]),
        data_hash=str(m["data_hash"]),
        data_path=str(m["data_path"]),
        tx_hash=None if m["tx_hash"] is None else str(m["tx_hash"]),
        status=str(m["status"]),
    )


def latest_settled_epoch(conn: Connection) -> SettledEpoch | None:
    """The latest epoch whose root the chain accepted (confirmed, or posted and pending)."""
    row = conn.execute(
        select(
            epochs.c.epoch,
            epochs.c.root,
            epochs.c.data_hash,
            epochs.c.data_path,
            epochs.c.tx_hash,
            epochs.c.status,
        )
        .where(epochs.c.status.in_(POSTED_STATUSES))
        .order_by(epochs.c.epoch.desc())
        .limit(1)
    ).first()
    return _settled_epoch(row) if row is not None else None


def settled_epoch(conn: Connection, epoch: int) -> SettledEpoch | None:
    row = conn.execute(
        select(
            epochs.c.epoch,
            epochs.c.root,
            epochs.c.data_hash,
            epochs.c.data_path,
            epochs.c.tx_hash,
            epochs.c.status,
        ).where(epochs.c.epoch == epoch)
    ).first()
    return _settled_epoch(row) if row is not None else None


def _epoch_or_latest(conn: Connection, epoch: int | None) -> int | None:
    if epoch is not None:
        return epoch
    latest = latest_settled_epoch(conn)
    return latest.epoch if latest is not None else None


def retained_leaf_count(conn: Connection, epoch: int) -> int | None:
    """The leaf count of `epoch` if this store still serves its tree (an epoch it holds, not
    older than its latest confirmed one: older versions are pruned on confirmation), else None."""
    confirmed = (
        select(func.max(epochs.c.epoch)).where(epochs.c.status == "confirmed").scalar_subquery()
    )
    row = conn.execute(
        select(epochs.c.leaf_count, confirmed).where(epochs.c.epoch == epoch)
    ).first()
    if row is None or (row[1] is not None and epoch < int(row[1])):
        return None
    return int(row[0] or 0)


def proof_at(conn: Connection, epoch: int, position: int, leaf_count: int) -> list[str]:
    """Sibling hashes from leaf `position` up to the root, read from the stored versions.

    Levels pair neighbours (2i, 2i+1); an odd last node has no sibling and is carried up. Each
    sibling is in the newest version with epoch <= `epoch` of its level's chunk (level 0: the
    leaf at that position): one index seek per level, nothing is rebuilt.
    """
    wanted = proof_positions(position, leaf_count)
    if not wanted:
        return []
    # One statement, a UNION ALL of one index seek per sibling (driver SQL: a proof is on the
    # API's hot path and SQLAlchemy's per-clause construction cost more than the seeks).
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    parts: list[str] = []
    params: list[int] = []
    for level, index in wanted:
        if level == 0:
            parts.append(
                f"SELECT 0, position, epoch, hash FROM {leaf_versions.name} "
                f"WHERE position = {mark} AND epoch <= {mark}"
            )
            params += [index, epoch]
        else:
            parts.append(
                f"SELECT level, chunk, epoch, hashes FROM {tree_chunks.name} "
                f"WHERE level = {mark} AND chunk = {mark} AND epoch <= {mark}"
            )
            params += [level, index // CHUNK, epoch]
    found: dict[tuple[int, int], tuple[int, bytes]] = {}
    for level, index, version, data in conn.exec_driver_sql(
        " UNION ALL ".join(parts), tuple(params)
    ):
        key = (int(level), int(index))
        held = found.get(key)
        if held is None or int(version) > held[0]:
            found[key] = (int(version), bytes(data))
    proof: list[str] = []
    for level, index in wanted:
        held = found.get((level, index if level == 0 else index // CHUNK))
        node = None if held is None else held[1] if level == 0 else node_of(held[1], index)
        if node is None:
            raise LookupError(f"epoch {epoch}'s tree is incomplete in this store")
        proof.append("0x" + node.hex())
    return proof


def _leaf_rows(conn: Connection, account: str, epoch: int, token: str | None) -> list[Any]:
    """(position, token, amount) of the account's leaves at `epoch` (newest versions), by token."""
    query = (
        select(
            leaf_positions.c.token,
            leaf_versions.c.epoch,
            leaf_versions.c.position,
            leaf_versions.c.amount,
        )
        .select_from(leaves_of_accounts)
        .where(leaf_positions.c.account == stored(account), leaf_versions.c.epoch <= epoch)
    )
    if token is not None:
        query = query.where(leaf_positions.c.token == stored(token))
    newest: dict[str, Any] = {}
    for row in conn.execute(query):
        held = newest.get(str(row[0]))
        if held is None or int(row[1]) > int(held[1]):
            newest[str(row[0])] = row
    return [(int(r[2]), str(r[0]), int(r[3])) for _t, r in sorted(newest.items())]


def account_leaf(
    conn: Connection, account: str, token: str, epoch: int | None = None
) -> AccountLeaf | None:
    """The leaf of (account, token) in `epoch` (default: the latest posted) with its proof."""
    at = _epoch_or_latest(conn, epoch)
    count = None if at is None else retained_leaf_count(conn, at)
    if at is None or count is None:
        return None
    rows = _leaf_rows(conn, account, at, token)
    if not rows:
        return None
    position, _token, amount = rows[0]
    proof = proof_at(conn, at, position, count)
    return AccountLeaf(at, checksum(account), checksum(token), amount, proof)


def account_leaves(conn: Connection, account: str, epoch: int | None = None) -> list[AccountLeaf]:
    """Every token's leaf of `account` in `epoch` (default: the latest posted), by token."""
    at = _epoch_or_latest(conn, epoch)
    count = None if at is None else retained_leaf_count(conn, at)
    if at is None or count is None:
        return []
    rows = _leaf_rows(conn, account, at, None)
    if not rows:
        return []
    return [
        AccountLeaf(
            at,
            checksum(account),
            checksum(token),
            amount,
            proof_at(conn, at, position, count),
        )
        for position, token, amount in rows
    ]


def account_sources(
    conn: Connection, account: str, token: str, epoch: int | None = None
) -> list[AccountSource]:
    """The path credits that make up (account, token)'s leaf in `epoch` (default: latest posted).

    A (track, token)'s credit along one of the account's paths is path_credit(the amount of the
    latest epoch up to `epoch` that moved it, among confirmed epochs and `epoch` itself,
    product, depth). Zero credits are left out. Ordered by track, then path.
    """
    at = _epoch_or_latest(conn, epoch)
    if at is None:
        return []
    moved = epoch_track_amounts
    later = epoch_track_amounts.alias("later")
    later_epoch = epochs.alias("later_epoch")
    counted = or_(epochs.c.status == "confirmed", moved.c.epoch == at)
    superseded = exists().where(
        later.c.track_id == moved.c.track_id,
        later.c.token == moved.c.token,
        later.c.epoch > moved.c.epoch,
        later.c.epoch <= at,
        later_epoch.c.epoch == later.c.epoch,
        or_(later_epoch.c.status == "confirmed", later.c.epoch == at),
    )
    rows = conn.execute(
        select(
            track_paths.c.track_id,
            track_paths.c.via,
            track_paths.c.product,
            track_paths.c.depth,
            moved.c.amount,
            moved.c.epoch,
            tracks.c.split_address,
        )
        .select_from(track_paths)
        .join(
            moved,
            (moved.c.track_id == track_paths.c.track_id) & (moved.c.token == stored(token)),
        )
        .join(epochs, epochs.c.epoch == moved.c.epoch)
        .outerjoin(tracks, tracks.c.track_id == track_paths.c.track_id)
        .where(
            track_paths.c.account == stored(account),
            moved.c.epoch <= at,
            counted,
            ~superseded,
        )
        .order_by(track_paths.c.track_id, track_paths.c.seq)
    )
    sources: list[AccountSource] = []
    for track_id, via, product, depth, amount, credit_epoch, split in rows:
        credit = path_credit(int(amount), int(product), int(depth))
        if credit == 0:
            continue
        path = tuple(checksum(a) for a in str(via).split(",") if a)
        sources.append(
            AccountSource(
                track_id=int(track_id),
                split=checksum(str(split)) if split else (path[0] if path else checksum(account)),
                path=path,
                token=checksum(token),
                amount=credit,
                last_epoch=int(credit_epoch),
            )
        )
    return sources


FlatPath = tuple[str, tuple[str, ...], int, int]


def track_flattening(conn: Connection, track_id: int) -> list[FlatPath]:
    """A track's fixed flattening: (account, path, share product, depth) per terminal path."""
    rows = conn.execute(
        select(track_paths.c.account, track_paths.c.via, track_paths.c.product, track_paths.c.depth)
        .where(track_paths.c.track_id == track_id)
        .order_by(track_paths.c.seq)
    )
    return [
        (
            checksum(str(account)),
            tuple(checksum(a) for a in str(via).split(",") if a),
            int(product),
            int(depth),
        )
        for account, via, product, depth in rows
    ]
