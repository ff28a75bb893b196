"""The settlement tree in the store: leaf hashes (level 0, oracle_leaf_versions) and the inner
levels in chunks of CHUNK consecutive nodes, all versioned.

oracle_tree_chunks (migrations 0010_tree_chunks, 0012_wider_tree_chunks) holds a row per
(level >= 1, chunk, epoch that changed a node of it): the concatenated 32-byte hashes of nodes
chunk*CHUNK .. of that level (fewer in a level's last chunk). The chunk of epoch E is the newest
version with epoch <= E; a node is a slice of it, so a proof is still one index seek per level.

An epoch that changes k nodes of a level rewrites the chunks they fall in: at the low levels,
where changes are dense, that is up to CHUNK times fewer rows (and row deletes when the epoch is
confirmed) than a row per node; at the high levels, where they are sparse, the same number.
Siblings 2i and 2i+1 always share a chunk (CHUNK is even), so the chunks an epoch reads for its
clean siblings are the ones it rewrites.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection, delete, select

from oracle.settlement.driver import newest, stream_rows
from oracle.settlement.tables import leaf_versions, tree_chunks

CHUNK = 64
"""Nodes per chunk (even, so that a node and its sibling share one). 64 since migration
0012_wider_tree_chunks (16 before): a dense epoch rewrites nearly every chunk of the low levels,
and 64 nodes (2 KiB) to a row make that four times fewer rows for the same bytes."""
NODE = 32
LOOKUP = 500


def _newest_blobs(conn: Connection, query: object) -> dict[int, bytes]:
    """Per key (first column of `query`): the blob (third) of its highest version (second)."""
    return {int(key): bytes(blob) for key, _v, blob in newest(stream_rows(conn, query)).values()}


def read_chunks(
    conn: Connection, epoch: int, level: int, chunks: Sequence[int]
) -> dict[int, bytes]:
    """The blobs of `chunks` of `level` in the tree of `epoch` (absent: not stored)."""
    found: dict[int, bytes] = {}
    ordered = sorted(set(chunks))
    for start in range(0, len(ordered), LOOKUP):
        query = select(tree_chunks.c.chunk, tree_chunks.c.epoch, tree_chunks.c.hashes).where(
            tree_chunks.c.level == level,
            tree_chunks.c.chunk.in_(ordered[start : start + LOOKUP]),
            tree_chunks.c.epoch <= epoch,
        )
        found.update(_newest_blobs(conn, query))
    return found


def node_of(blob: bytes | bytearray, index: int) -> bytes | None:
    offset = (index % CHUNK) * NODE
    node = bytes(blob[offset : offset + NODE])
    return node if len(node) == NODE else None


def _nodes_in(blobs: dict[int, bytes], indexes: Sequence[int]) -> dict[int, bytes]:
    """The nodes `indexes` found in `blobs` (chunk -> blob)."""
    found: dict[int, bytes] = {}
    for index in indexes:
        blob = blobs.get(index // CHUNK)
        node = None if blob is None else node_of(blob, index)
        if node is not None:
            found[index] = node
    return found


def read_nodes(
    conn: Connection, epoch: int, level: int, indexes: Sequence[int]
) -> dict[int, bytes]:
    """The hashes of nodes `indexes` of `level` (0: the leaves) in the tree of `epoch`."""
    if level:
        return _nodes_in(read_chunks(conn, epoch, level, [i // CHUNK for i in indexes]), indexes)
    found: dict[int, bytes] = {}
    ordered = sorted(indexes)
    for start in range(0, len(ordered), LOOKUP):
        query = select(leaf_versions.c.position, leaf_versions.c.epoch, leaf_versions.c.hash).where(
            leaf_versions.c.position.in_(ordered[start : start + LOOKUP]),
            leaf_versions.c.epoch <= epoch,
        )
        found.update(_newest_blobs(conn, query))
    return found


def _gap(level: int, chunk: int, slot: int, blob: bytearray) -> ValueError:
    return ValueError(
        f"level {level} chunk {chunk}: node {slot} lies past the stored {len(blob) // NODE} "
        "(an appended node is missing)"
    )


class ChunkWriter:
    """The inner-node side of a tree rebuild (oracle.settlement.tree.rebuild_paths): serves the
    clean siblings of `base`'s tree and writes every recomputed level's nodes as part of their
    chunks' new versions for `epoch`: each chunk's old blob with its recomputed nodes laid over
    it. `write` takes (level, chunk, epoch, hashes) rows."""

    def __init__(
        self,
        conn: Connection,
        base: int,
        epoch: int,
        write: Callable[[tuple[int, int, int, bytes]], None],
    ) -> None:
        self.conn = conn
        self.base = base
        self.epoch = epoch
        self.write = write
        self.old: dict[int, dict[int, bytes]] = {}

    def siblings(self, level: int, indexes: Sequence[int]) -> dict[int, bytes]:
        """Nodes `indexes` of `level` in `base`'s tree (rebuild_paths' SiblingReader)."""
        if level == 0:
            return read_nodes(self.conn, self.base, 0, indexes)
        blobs = read_chunks(self.conn, self.base, level, [i // CHUNK for i in indexes])
        self.old[level] = blobs
        return _nodes_in(blobs, indexes)

    def nodes(self, level: int, indexes: Sequence[int], hashes: bytes | bytearray) -> None:
        """rebuild_paths' LevelSink: the recomputed nodes `indexes` (ascending) of `level`."""
        old = self.old.pop(level, {})
        missing = sorted({i // CHUNK for i in indexes} - old.keys())
        if missing:
            old.update(read_chunks(self.conn, self.base, level, missing))
        k, count = 0, len(indexes)
        while k < count:
            chunk = indexes[k] // CHUNK
            end = k + 1
            while end < count and indexes[end] // CHUNK == chunk:
                end += 1
            blob = bytearray(old.get(chunk, b""))
            first, last = indexes[k] % CHUNK, indexes[end - 1] % CHUNK
            if first * NODE > len(blob):
                raise _gap(level, chunk, first, blob)
            if last - first == end - 1 - k:  # a run of consecutive nodes: one slice
                blob[first * NODE : (last + 1) * NODE] = hashes[NODE * k : NODE * end]
            else:
                for j in range(k, end):
                    slot = indexes[j] % CHUNK
                    if slot * NODE > len(blob):
                        raise _gap(level, chunk, slot, blob)
                    blob[slot * NODE : (slot + 1) * NODE] = hashes[NODE * j : NODE * j + NODE]
            self.write((level, chunk, self.epoch, bytes(blob)))
            k = end


def prune_chunks(conn: Connection, epoch: int) -> None:
    """Deletes the chunk versions that confirmed `epoch` superseded (older versions of the
    chunks it wrote; each lookup is by key, through the epoch index of what it wrote)."""
    levels = conn.execute(
        select(tree_chunks.c.level).distinct().where(tree_chunks.c.epoch == epoch)
    ).scalars()
    written = tree_chunks.alias("chunks_written")
    for level in list(levels):
        conn.execute(
            delete(tree_chunks).where(
                tree_chunks.c.level == level,
                tree_chunks.c.epoch < epoch,
                tree_chunks.c.chunk.in_(
                    select(written.c.chunk).where(
                        written.c.epoch == epoch, written.c.level == level
                    )
                ),
            )
        )
