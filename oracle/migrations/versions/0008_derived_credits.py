"""oracle_credits goes (a settled path credit is derived, not stored); oracle_track_paths gets an
index on epoch.

A (track, token)'s settled credit along a path is path_credit(settled track amount, product,
depth): the track's paths are fixed at its first settlement (oracle_track_paths) and its settled
amount is oracle_track_amounts, so the epoch engine computes the old credits it subtracts instead
of reading a copy that every confirmation rewrote (and whose account index every confirmation
updated at random places). What an epoch credited stays in oracle_epoch_credits.
The index on oracle_track_paths.epoch serves the delete of an unconfirmed epoch's flattenings
when it is recomputed (it scanned the whole table).

Revision ID: 0008_derived_credits
Revises: 0007_versioned_tree
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_derived_credits"
down_revision = "0007_versioned_tree"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_oracle_credits_account", "oracle_credits")
    op.drop_table("oracle_credits")
    op.create_index("ix_oracle_track_paths_epoch", "oracle_track_paths", ["epoch"])


def downgrade() -> None:
    op.drop_index("ix_oracle_track_paths_epoch", "oracle_track_paths")
    op.create_table(
        "oracle_credits",
        sa.Column("track_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("token", sa.String(42), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_oracle_credits_account", "oracle_credits", ["account", "token"])
    # Refilled from the settled amounts and the fixed paths (the products exceed 64 bits: the
    # floor is taken in Python, as the engine does).
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT a.track_id, a.token, p.seq, p.account, p.via, a.amount, p.product, p.depth, "
            "a.epoch FROM oracle_track_amounts AS a JOIN oracle_track_paths AS p "
            "ON p.track_id = a.track_id ORDER BY a.track_id, a.token, p.seq"
        )
    )
    insert = sa.text(
        "INSERT INTO oracle_credits (track_id, token, seq, account, via, amount, epoch) "
        "VALUES (:t, :k, :s, :a, :v, :m, :e)"
    )
    batch: list[dict[str, object]] = []
    for track, token, seq, account, via, amount, product, depth, epoch in rows:
        credit = int(amount) * int(product) // 1_000_000 ** int(depth)
        batch.append(
            {"t": track, "k": token, "s": seq, "a": account, "v": via, "m": str(credit), "e": epoch}
        )
        if len(batch) >= 10_000:
            conn.execute(insert, batch)
            batch = []
    if batch:
        conn.execute(insert, batch)
