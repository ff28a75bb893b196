"""Recipient lists the chain proves, and each track's flattening fixed on first settlement.

A list in the catalog is used only when its recipients root equals the split contract's
``recipientsRoot()`` read at the epoch's pinned block. The chain value is cached in
oracle_splits.chain_root (splits are immutable, so one read per split for its whole life).
A split without code at the pinned block is not cached and stays unverified for that epoch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from eth_typing import BlockNumber
from hexbytes import HexBytes
from sqlalchemy import Connection, and_, update
from web3 import Web3

from oracle.errors import EpochError
from oracle.settlement import driver
from oracle.settlement.flatten import FlatPath, RecipientList, flatten_split
from oracle.settlement.tables import split_recipients, splits, track_paths
from oracle.store.schema import tracks

CHUNK = 2_000
_RECIPIENTS_ROOT = Web3.keccak(text="recipientsRoot()")[:4]


class RootReader(Protocol):
    def recipients_roots(self, splits: Sequence[str], block: int) -> dict[str, str]:
        """recipientsRoot() of each split that has code at `block` (lower-case address keys)."""
        ...


class ChainRootReader:
    """Reads recipientsRoot() by eth_call at a pinned block."""

    def __init__(self, w3: Web3) -> None:
        self.w3 = w3

    def recipients_roots(self, splits: Sequence[str], block: int) -> dict[str, str]:
        found: dict[str, str] = {}
        for split in splits:
            address = Web3.to_checksum_address(split)
            try:
                raw = self.w3.eth.call(
                    {"to": address, "data": HexBytes(_RECIPIENTS_ROOT)},
                    block_identifier=BlockNumber(block),
                )
            except Exception as exc:  # a revert or no contract: not a verifiable split
                if "revert" in str(exc).lower() or "execution" in str(exc).lower():
                    continue
                raise EpochError(f"cannot read recipientsRoot() of {address}: {exc}") from exc
            if len(raw) == 32:
                found[split.lower()] = "0x" + bytes(raw).hex()
        return found


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def verify_splits(
    conn: Connection, addresses: Iterable[str], reader: RootReader, block: int
) -> None:
    """Reads and caches the chain root of every listed split not read before."""
    wanted = sorted({a.lower() for a in addresses})
    for chunk in _chunks(wanted):
        unread = [
            str(s)
            for (s,) in driver.rows(
                conn,
                f"SELECT split FROM {splits.name} WHERE split IN ({driver.marks(conn, len(chunk))})"
                " AND chain_root IS NULL",
                chunk,
            )
        ]
        if not unread:
            continue
        for split, root in reader.recipients_roots(sorted(unread), block).items():
            conn.execute(
                update(splits)
                .where(splits.c.split == split)
                .values(chain_root=root, checked_block=block)
            )


class VerifiedLists:
    """Verified, expandable recipient lists, loaded a batch of addresses at a time."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.cache: dict[str, RecipientList | None] = {}

    def load(self, addresses: Iterable[str]) -> None:
        conn = self.conn
        wanted = sorted({a for a in addresses if a not in self.cache})
        for chunk in _chunks(wanted):
            # Expandable: the catalog's list matches the chain's recipientsRoot() and a track
            # registered with this split does not settle to the split.
            expandable = sorted(
                {
                    str(s)
                    for (s,) in driver.rows(
                        conn,
                        f"SELECT s.split FROM {splits.name} AS s JOIN {tracks.name} AS t"
                        " ON t.split_address = s.split"
                        f" WHERE s.split IN ({driver.marks(conn, len(chunk))})"
                        " AND s.chain_root = s.list_root AND t.settle_to_split = 0",
                        chunk,
                    )
                }
            )
            lists: dict[str, tuple[list[str], list[int]]] = {}
            if expandable:
                listed_rows = driver.rows(
                    conn,
                    f"SELECT split, recipient, share FROM {split_recipients.name}"
                    f" WHERE split IN ({driver.marks(conn, len(expandable))})"
                    " ORDER BY split, position",
                    expandable,
                )
                for split, recipient, share in listed_rows:
                    entry = lists.setdefault(str(split), ([], []))
                    entry[0].append(str(recipient))
                    entry[1].append(int(share))
            for address in chunk:
                listed = lists.get(address)
                self.cache[address] = (
                    RecipientList(tuple(listed[0]), tuple(listed[1])) if listed else None
                )

    def __call__(self, address: str) -> RecipientList | None:
        if address not in self.cache:
            self.load([address])
        return self.cache[address]


def fix_track_paths(
    conn: Connection,
    track_ids: Sequence[int],
    epoch: int,
    reader: RootReader,
    block: int,
) -> int:
    """Fixes the flattening of every listed track that has none yet; returns how many it fixed.

    Splits met (the tracks' own and the nested ones) are verified against the chain first.
    """
    from oracle.epoch.errors import UnknownTrack
    from oracle.settlement.flatten import MAX_SPLIT_DEPTH

    fixed = 0
    for start in range(0, len(track_ids), CHUNK):
        chunk = list(track_ids[start : start + CHUNK])
        listed = driver.marks(conn, len(chunk))
        rows = list(
            driver.rows(
                conn,
                f"SELECT t.track_id, t.split_address, t.settle_to_split FROM {tracks.name} AS t"
                f" WHERE t.track_id IN ({listed}) AND NOT EXISTS (SELECT 1 FROM"
                f" {track_paths.name} AS p WHERE p.track_id = t.track_id) ORDER BY t.track_id",
                chunk,
            )
        )
        known = {int(t) for t, _, _ in rows}
        if len(known) < len(chunk):
            has_paths = {
                int(t)
                for (t,) in driver.rows(
                    conn,
                    f"SELECT DISTINCT track_id FROM {track_paths.name}"
                    f" WHERE track_id IN ({listed})",
                    chunk,
                )
            }
            for track_id in chunk:
                if track_id not in known and track_id not in has_paths:
                    raise UnknownTrack(track_id)
        todo = [(int(t), str(s) if s else None, bool(f)) for t, s, f in rows]
        for track_id, split, _ in todo:
            if split is None:
                raise UnknownTrack(track_id)
        if not todo:
            continue
        frontier = sorted({split for _, split, _ in todo if split is not None})
        verify_splits(conn, frontier, reader, block)
        fixed += len(todo)
        flat = _insert_flat_paths(conn, [t for t, _s, settles in todo if not settles], epoch)
        todo = [row for row in todo if row[0] not in flat]
        if not todo:
            continue
        frontier = sorted({split for _, split, _ in todo if split is not None})
        lists = VerifiedLists(conn)
        lists.load(frontier)
        for _ in range(MAX_SPLIT_DEPTH - 1):
            recipients = sorted(
                {
                    r
                    for address in frontier
                    if (listed_list := lists.cache.get(address)) is not None
                    for r in listed_list.recipients
                    if r not in lists.cache
                }
            )
            if not recipients:
                break
            nested_splits = _known_splits(conn, recipients)
            verify_splits(conn, nested_splits, reader, block)
            plain = set(recipients).difference(nested_splits)
            lists.cache.update(dict.fromkeys(plain))  # plain accounts: not expandable
            lists.load(nested_splits)
            frontier = [r for r in recipients if lists.cache.get(r) is not None]
        values: list[tuple[object, ...]] = []
        for track_id, split, settle_to_split in todo:
            assert split is not None
            paths = flatten_split(split, lists, settle_to_split=settle_to_split)
            values.extend(_path_rows(track_id, paths, epoch))
        driver.insert_rows(conn, track_paths.name, PATH_COLUMNS, values)
    return fixed


def _insert_flat_paths(conn: Connection, track_ids: Sequence[int], epoch: int) -> set[int]:
    """Fixes, in SQL, the paths of the listed tracks that nest nothing; returns those tracks.

    Most tracks' splits list only plain accounts: a verified list (its catalog root equals the
    cached chain root) none of whose recipients the catalog knows as a split. flatten_split
    gives such a track one depth-1 path per recipient, in list order (account = recipient,
    via = the split, product = share), and so does this statement, without a Python object
    per path or a lookup per recipient from Python. The other tracks are left to
    flatten_split. `track_ids` must exclude tracks that settle to their split."""
    if not track_ids:
        return set()
    listed = driver.marks(conn, len(track_ids))
    flat = [
        int(t)
        for (t,) in driver.rows(
            conn,
            f"SELECT t.track_id FROM {tracks.name} AS t JOIN {splits.name} AS s"
            f" ON s.split = t.split_address WHERE t.track_id IN ({listed})"
            " AND t.settle_to_split = 0 AND s.chain_root = s.list_root"
            f" AND EXISTS (SELECT 1 FROM {split_recipients.name} AS r WHERE r.split = s.split)"
            f" AND NOT EXISTS (SELECT 1 FROM {split_recipients.name} AS n"
            f" JOIN {splits.name} AS k ON k.split = n.recipient WHERE n.split = s.split)",
            track_ids,
        )
    ]
    if flat:
        mark = driver.mark(conn)
        conn.exec_driver_sql(
            f"INSERT INTO {track_paths.name} ({', '.join(PATH_COLUMNS)})"
            " SELECT t.track_id,"
            " ROW_NUMBER() OVER (PARTITION BY t.track_id ORDER BY r.position) - 1,"
            f" r.recipient, t.split_address, CAST(r.share AS TEXT), 1, {mark}"
            f" FROM {tracks.name} AS t JOIN {split_recipients.name} AS r"
            f" ON r.split = t.split_address WHERE t.track_id IN ({driver.marks(conn, len(flat))})",
            (epoch, *flat),
        )
    return set(flat)


def _known_splits(conn: Connection, addresses: Sequence[str]) -> list[str]:
    """The addresses the catalog holds a recipient list for."""
    found: list[str] = []
    for chunk in _chunks(addresses):
        found.extend(
            str(s)
            for (s,) in driver.rows(
                conn,
                f"SELECT split FROM {splits.name}"
                f" WHERE split IN ({driver.marks(conn, len(chunk))})",
                chunk,
            )
        )
    return sorted(found)


PATH_COLUMNS = ("track_id", "seq", "account", "via", "product", "depth", "epoch")


def _path_rows(track_id: int, paths: Sequence[FlatPath], epoch: int) -> list[tuple[object, ...]]:
    return [
        (track_id, seq, path.account, ",".join(path.via), str(path.product), path.depth, epoch)
        for seq, path in enumerate(paths)
    ]


def unfix_epoch_paths(conn: Connection, epoch: int) -> None:
    """Drops the flattenings first fixed by a rebuilt (never confirmed) epoch."""
    conn.execute(track_paths.delete().where(and_(track_paths.c.epoch == epoch)))
