"""Per-account settlement: split recipient lists, track flattenings, credits, leaves, tree levels.

Revision ID: 0003_account_settlement
Revises: 0002_epochs
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_account_settlement"
down_revision = "0002_epochs"
branch_labels = None
depends_on = None


def _key(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, primary_key=True, autoincrement=False)


def _address(name: str, primary: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(42), primary_key=primary, nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("oracle_tracks") as batch:
        batch.add_column(
            sa.Column("settle_to_split", sa.SmallInteger, nullable=False, server_default="0")
        )
    with op.batch_alter_table("oracle_epoch_totals") as batch:
        batch.add_column(sa.Column("store_units", sa.BigInteger, nullable=True))
    with op.batch_alter_table("oracle_settled_totals") as batch:
        batch.add_column(sa.Column("store_units", sa.BigInteger, nullable=True))
    op.create_index(
        "ix_oracle_settled_totals_below",
        "oracle_settled_totals",
        ["store_units"],
        sqlite_where=sa.text("store_units IS NOT NULL"),
        postgresql_where=sa.text("store_units IS NOT NULL"),
    )
    op.create_index("ix_oracle_quarantine_decision_seq", "oracle_quarantine", ["decision_seq"])
    op.create_table(
        "oracle_split_recipients",
        _address("split", True),
        sa.Column("position", sa.Integer, primary_key=True, autoincrement=False),
        _address("recipient"),
        sa.Column("share", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_splits",
        _address("split", True),
        sa.Column("list_root", sa.String(66), nullable=False),
        sa.Column("chain_root", sa.String(66), nullable=True),
        sa.Column("checked_block", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "oracle_track_paths",
        _key("track_id"),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        _address("account"),
        sa.Column("via", sa.Text, nullable=False),
        sa.Column("product", sa.Text, nullable=False),
        sa.Column("depth", sa.SmallInteger, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_settled_cuts",
        _key("platform_id"),
        sa.Column("cut_seq", sa.BigInteger, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_epoch_cuts",
        _key("epoch"),
        _key("platform_id"),
        sa.Column("cut_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_track_amounts",
        _key("track_id"),
        _address("token", True),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_epoch_track_amounts",
        _key("epoch"),
        _key("track_id"),
        _address("token", True),
        sa.Column("amount", sa.Text, nullable=False),
    )
    for name, first in (("oracle_credits", None), ("oracle_epoch_credits", "epoch")):
        columns: list[sa.Column[Any]] = [_key(first)] if first else []
        columns += [
            _key("track_id"),
            _address("token", True),
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
            _address("account"),
            sa.Column("via", sa.Text, nullable=False),
            sa.Column("amount", sa.Text, nullable=False),
        ]
        if first is None:
            columns.append(sa.Column("epoch", sa.BigInteger, nullable=False))
        op.create_table(name, *columns)
        op.create_index(f"ix_{name}_account", name, ["account", "token"])
    op.create_table(
        "oracle_epoch_leaves",
        _key("epoch"),
        _key("position"),
        _address("account"),
        _address("token"),
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


def downgrade() -> None:
    op.drop_index("ix_oracle_epoch_leaves_account", "oracle_epoch_leaves")
    op.drop_index("ix_oracle_epoch_credits_account", "oracle_epoch_credits")
    op.drop_index("ix_oracle_credits_account", "oracle_credits")
    for table in (
        "oracle_epoch_nodes",
        "oracle_epoch_leaves",
        "oracle_epoch_credits",
        "oracle_credits",
        "oracle_epoch_track_amounts",
        "oracle_track_amounts",
        "oracle_epoch_cuts",
        "oracle_settled_cuts",
        "oracle_track_paths",
        "oracle_splits",
        "oracle_split_recipients",
    ):
        op.drop_table(table)
    op.drop_index("ix_oracle_quarantine_decision_seq", "oracle_quarantine")
    op.drop_index("ix_oracle_settled_totals_below", "oracle_settled_totals")
    with op.batch_alter_table("oracle_settled_totals") as batch:
        batch.drop_column("store_units")
    with op.batch_alter_table("oracle_epoch_totals") as batch:
        batch.drop_column("store_units")
    with op.batch_alter_table("oracle_tracks") as batch:
        batch.drop_column("settle_to_split")
