"""oracle_tree_nodes becomes oracle_tree_chunks: the tree's inner nodes are stored 16 to a row.

A row per (level >= 1, chunk, epoch that changed a node of it) holds the 32-byte hashes of nodes
chunk*16 .. chunk*16+15 of the level, concatenated (fewer in a level's last chunk); the chunk of
epoch E is the newest version with epoch <= E (oracle.settlement.tree_store). At 1M tracks and
100k changed an epoch rewrote about 335k node rows (and deleted as many superseded ones when it
was confirmed); the same changes touch about 45k chunks. A proof still reads one row per level.

Revision ID: 0010_tree_chunks
Revises: 0009_derived_epoch_credits
"""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010_tree_chunks"
down_revision = "0009_derived_epoch_credits"
branch_labels = None
depends_on = None

CHUNK = 16
BATCH = 10_000


def _chunk_versions(nodes: list[Any]) -> list[tuple[int, bytes]]:
    """(epoch, blob) for every version epoch of one chunk's (slot, epoch, hash) node rows: per
    slot the newest hash with epoch <= the version, up to the first slot with none."""
    versions = sorted({int(e) for _s, e, _h in nodes})
    out = []
    for version in versions:
        best: dict[int, tuple[int, bytes]] = {}
        for slot, epoch, data in nodes:
            if int(epoch) <= version and (slot not in best or int(epoch) > best[slot][0]):
                best[slot] = (int(epoch), bytes(data))
        blob = bytearray()
        for slot in range(CHUNK):
            if slot not in best:
                break
            blob += best[slot][1]
        out.append((version, bytes(blob)))
    return out


def upgrade() -> None:
    op.create_table(
        "oracle_tree_chunks",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("chunk", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT level, idx, epoch, hash FROM oracle_tree_nodes ORDER BY level, idx, epoch")
    )
    insert = sa.text(
        "INSERT INTO oracle_tree_chunks (level, chunk, epoch, hashes) VALUES (:l, :c, :e, :h)"
    )
    batch: list[dict[str, object]] = []
    for (level, chunk), group in itertools.groupby(
        rows, key=lambda r: (int(r[0]), int(r[1]) // CHUNK)
    ):
        nodes = [(int(idx) % CHUNK, epoch, data) for _l, idx, epoch, data in group]
        for epoch, blob in _chunk_versions(nodes):
            batch.append({"l": level, "c": chunk, "e": epoch, "h": blob})
        if len(batch) >= BATCH:
            conn.execute(insert, batch)
            batch = []
    if batch:
        conn.execute(insert, batch)
    op.create_index(
        "ix_oracle_tree_chunks_epoch", "oracle_tree_chunks", ["epoch", "level", "chunk"]
    )
    op.drop_index("ix_oracle_tree_nodes_epoch", "oracle_tree_nodes")
    op.drop_table("oracle_tree_nodes")


def downgrade() -> None:
    op.create_table(
        "oracle_tree_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("idx", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT level, chunk, epoch, hashes FROM oracle_tree_chunks"))
    insert = sa.text(
        "INSERT INTO oracle_tree_nodes (level, idx, epoch, hash) VALUES (:l, :i, :e, :h)"
    )
    batch: list[dict[str, object]] = []
    for level, chunk, epoch, hashes in rows:
        data = bytes(hashes)
        for slot in range(len(data) // 32):
            batch.append(
                {
                    "l": level,
                    "i": int(chunk) * CHUNK + slot,
                    "e": epoch,
                    "h": data[32 * slot : 32 * slot + 32],
                }
            )
        if len(batch) >= BATCH:
            conn.execute(insert, batch)
            batch = []
    if batch:
        conn.execute(insert, batch)
    op.create_index("ix_oracle_tree_nodes_epoch", "oracle_tree_nodes", ["epoch", "level", "idx"])
    op.drop_index("ix_oracle_tree_chunks_epoch", "oracle_tree_chunks")
    op.drop_table("oracle_tree_chunks")
