"""oracle_tree_chunks holds 64 nodes to a row instead of 16.

An epoch that changes leaves densely (100k of a 10M catalog's tracks move about 230k of its 5.4M
leaves) rewrites nearly every chunk of the low levels: about 330k chunk rows of 16 nodes, each
read, written and, on confirmation, its old version deleted. The bytes are the same with 64
nodes to a row, the rows four times fewer. A sparse change rewrites a 2 KiB row instead of a
512-byte one, still one row per level, so a proof still reads one row per level.

Every version is kept: the chunk of epoch E is still the newest version with epoch <= E, and
the new chunk's version at epoch E is made of the old chunks' newest versions <= E.

Revision ID: 0012_wider_tree_chunks
Revises: 0011_leaf_positions
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012_wider_tree_chunks"
down_revision = "0011_leaf_positions"
branch_labels = None
depends_on = None

OLD_CHUNK = 16
NEW_CHUNK = 64
NODE = 32
BATCH = 5_000


def _versions(nodes: list[tuple[int, int, bytes]], size: int) -> Iterator[tuple[int, bytes]]:
    """(epoch, blob) of one new chunk of `size` slots from its (slot, epoch, hash) node rows:
    per version epoch, each slot's newest hash with epoch <= it, up to the first slot with none
    (a level's last chunk); a version whose blob equals the one before is left out (the lookup
    of the newest version <= E gives the same blob without it).

    A version older than the latest confirmed epoch can come out short, where the old chunks'
    versions it would need were pruned: no proof is served for those epochs, and every served
    epoch E finds each old chunk's newest version <= E, so its blob is whole."""
    previous = b""
    for version in sorted({epoch for _s, epoch, _h in nodes}):
        best: dict[int, tuple[int, bytes]] = {}
        for slot, epoch, data in nodes:
            if epoch <= version and (slot not in best or epoch > best[slot][0]):
                best[slot] = (epoch, data)
        blob = bytearray()
        for slot in range(size):
            if slot not in best:
                break
            blob += best[slot][1]
        if bytes(blob) != previous:
            previous = bytes(blob)
            yield version, previous


def _rechunk(rows: Iterable[Any], old: int, new: int) -> Iterator[dict[str, object]]:
    """The rows of chunks of `new` nodes from rows (level, chunk, epoch, hashes) of chunks of
    `old` nodes, sorted by level then chunk: a span of max(old, new) nodes at a time."""
    span = max(old, new)
    for (level, _span), group in itertools.groupby(
        rows, key=lambda r: (int(r[0]), int(r[1]) * old // span)
    ):
        nodes: dict[int, list[tuple[int, int, bytes]]] = {}
        for _l, old_chunk, epoch, hashes in group:
            data = bytes(hashes)
            for i in range(len(data) // NODE):
                index = int(old_chunk) * old + i
                node = (index % new, int(epoch), data[NODE * i : NODE * i + NODE])
                nodes.setdefault(index // new, []).append(node)
        for chunk in sorted(nodes):
            for epoch, blob in _versions(nodes[chunk], new):
                yield {"l": level, "c": chunk, "e": epoch, "h": blob}


def _convert(old: int, new: int) -> None:
    conn = op.get_bind()
    op.create_table(
        "oracle_tree_chunks_new",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("chunk", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
    )
    rows = conn.execute(
        sa.text(
            "SELECT level, chunk, epoch, hashes FROM oracle_tree_chunks "
            "ORDER BY level, chunk, epoch"
        ),
        execution_options={"stream_results": True},
    )
    insert = sa.text(
        "INSERT INTO oracle_tree_chunks_new (level, chunk, epoch, hashes) VALUES (:l, :c, :e, :h)"
    )
    converted = _rechunk(rows, old, new)
    while batch := list(itertools.islice(converted, BATCH)):
        conn.execute(insert, batch)
    op.drop_index("ix_oracle_tree_chunks_epoch", "oracle_tree_chunks")
    op.drop_table("oracle_tree_chunks")
    op.rename_table("oracle_tree_chunks_new", "oracle_tree_chunks")
    op.create_index(
        "ix_oracle_tree_chunks_epoch", "oracle_tree_chunks", ["epoch", "level", "chunk"]
    )


def upgrade() -> None:
    _convert(OLD_CHUNK, NEW_CHUNK)


def downgrade() -> None:
    _convert(NEW_CHUNK, OLD_CHUNK)
