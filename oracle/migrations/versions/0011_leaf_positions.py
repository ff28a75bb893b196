"""oracle_leaf_positions: where each (account, token)'s leaf is, written once; the account index
of oracle_leaf_versions goes.

A leaf's position is fixed when it is appended, so the account -> position map never changes
after that; the versioned leaf rows are found by position (their primary key). The account index
on the versions took an entry per new version (134k random inserts per epoch at 1M tracks and
100k changed, and as many deletes when the epoch was confirmed and pruned the old versions).

Revision ID: 0011_leaf_positions
Revises: 0010_tree_chunks
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_leaf_positions"
down_revision = "0010_tree_chunks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oracle_leaf_positions",
        sa.Column("account", sa.String(42), primary_key=True),
        sa.Column("token", sa.String(42), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False, unique=True),
        sa.Column("epoch", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO oracle_leaf_positions (account, token, position, epoch) "
        "SELECT account, token, position, MIN(epoch) FROM oracle_leaf_versions "
        "GROUP BY position, account, token"
    )
    op.create_index("ix_oracle_leaf_positions_epoch", "oracle_leaf_positions", ["epoch"])
    op.drop_index("ix_oracle_leaf_versions_account", "oracle_leaf_versions")


def downgrade() -> None:
    op.create_index(
        "ix_oracle_leaf_versions_account",
        "oracle_leaf_versions",
        ["account", "token", "epoch"],
        unique=True,
    )
    op.drop_index("ix_oracle_leaf_positions_epoch", "oracle_leaf_positions")
    op.drop_table("oracle_leaf_positions")
