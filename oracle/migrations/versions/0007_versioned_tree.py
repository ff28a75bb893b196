"""Versioned leaves and tree nodes: an epoch writes only the leaves and nodes it changes.

oracle_epoch_leaves / oracle_epoch_nodes (every leaf and every tree level rewritten per epoch)
become oracle_leaf_versions / oracle_tree_nodes (a row per leaf or node per epoch that changed
it; the value at epoch E is the newest version with epoch <= E). Each epoch still held is copied
whole (its leaves keep their positions, so its stored proofs stay valid); the next epoch appends
its new leaves after them.

Revision ID: 0007_versioned_tree
Revises: 0006_track_split_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_versioned_tree"
down_revision = "0006_track_split_index"
branch_labels = None
depends_on = None

_OLD_CHUNK = 512


def _key(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, primary_key=True, autoincrement=False)


def upgrade() -> None:
    op.create_table(
        "oracle_leaf_versions",
        _key("position"),
        _key("epoch"),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("since_epoch", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.LargeBinary, nullable=False),
    )
    op.create_index(
        "ix_oracle_leaf_versions_account",
        "oracle_leaf_versions",
        ["account", "token", "epoch"],
        unique=True,
    )
    op.create_index("ix_oracle_leaf_versions_epoch", "oracle_leaf_versions", ["epoch", "position"])
    op.create_table(
        "oracle_tree_nodes",
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        _key("idx"),
        _key("epoch"),
        sa.Column("hash", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_oracle_tree_nodes_epoch", "oracle_tree_nodes", ["epoch", "level", "idx"])
    _copy_old_epochs()
    op.drop_index("ix_oracle_epoch_leaves_account", "oracle_epoch_leaves")
    op.drop_table("oracle_epoch_nodes")
    op.drop_table("oracle_epoch_leaves")


def _copy_old_epochs() -> None:
    conn = op.get_bind()
    meta = sa.MetaData()
    old_leaves = sa.Table("oracle_epoch_leaves", meta, autoload_with=conn)
    old_nodes = sa.Table("oracle_epoch_nodes", meta, autoload_with=conn)
    new_leaves = sa.Table("oracle_leaf_versions", meta, autoload_with=conn)
    new_nodes = sa.Table("oracle_tree_nodes", meta, autoload_with=conn)
    held = [int(e) for (e,) in conn.execute(sa.select(old_leaves.c.epoch).distinct())]
    for epoch in held:
        chunks: dict[tuple[int, int], bytes] = {}
        for level, chunk, data in conn.execute(
            sa.select(old_nodes.c.level, old_nodes.c.chunk, old_nodes.c.hashes).where(
                old_nodes.c.epoch == epoch
            )
        ):
            chunks[(int(level), int(chunk))] = bytes(data)
        rows = []
        for position, account, token, amount, since in conn.execute(
            sa.select(
                old_leaves.c.position,
                old_leaves.c.account,
                old_leaves.c.token,
                old_leaves.c.amount,
                old_leaves.c.since_epoch,
            ).where(old_leaves.c.epoch == epoch)
        ):
            data = chunks[(0, int(position) // _OLD_CHUNK)]
            offset = 32 * (int(position) % _OLD_CHUNK)
            rows.append(
                {
                    "position": int(position),
                    "epoch": epoch,
                    "account": account,
                    "token": token,
                    "amount": amount,
                    "since_epoch": int(since),
                    "hash": data[offset : offset + 32],
                }
            )
        if rows:
            conn.execute(sa.insert(new_leaves), rows)
        nodes = [
            {
                "level": level,
                "idx": chunk * _OLD_CHUNK + i // 32,
                "epoch": epoch,
                "hash": data[i : i + 32],
            }
            for (level, chunk), data in sorted(chunks.items())
            if level > 0
            for i in range(0, len(data), 32)
        ]
        if nodes:
            conn.execute(sa.insert(new_nodes), nodes)


def downgrade() -> None:
    # The old layout held every leaf of every epoch; it is rebuilt empty (recompute the epochs).
    op.create_table(
        "oracle_epoch_leaves",
        _key("epoch"),
        _key("position"),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("since_epoch", sa.BigInteger, nullable=False),
    )
    op.create_index(
        "ix_oracle_epoch_leaves_account",
        "oracle_epoch_leaves",
        ["epoch", "account", "token"],
        unique=True,
    )
    op.create_table(
        "oracle_epoch_nodes",
        _key("epoch"),
        sa.Column("level", sa.SmallInteger, primary_key=True, autoincrement=False),
        _key("chunk"),
        sa.Column("hashes", sa.LargeBinary, nullable=False),
    )
    op.drop_index("ix_oracle_tree_nodes_epoch", "oracle_tree_nodes")
    op.drop_table("oracle_tree_nodes")
    op.drop_index("ix_oracle_leaf_versions_epoch", "oracle_leaf_versions")
    op.drop_index("ix_oracle_leaf_versions_account", "oracle_leaf_versions")
    op.drop_table("oracle_leaf_versions")
