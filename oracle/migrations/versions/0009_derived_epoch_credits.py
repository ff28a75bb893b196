"""oracle_epoch_credits goes (what an epoch credited along a path is derived, not stored);
oracle_track_paths gets an index on account.

An epoch's credit along a path is path_credit(the (track, token) amount the epoch moved, product,
depth): the amount is oracle_epoch_track_amounts and the path is the track's fixed
oracle_track_paths row. The copy cost every epoch a row per path of every moved track plus an
account-index entry each (about 330k rows at 1M tracks and 100k changed), and grew the store by
that every day. An account's sources (the API) are read through the new account index of the
paths instead.

Revision ID: 0009_derived_epoch_credits
Revises: 0008_derived_credits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_derived_epoch_credits"
down_revision = "0008_derived_credits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_oracle_epoch_credits_account", "oracle_epoch_credits")
    op.drop_table("oracle_epoch_credits")
    op.create_index("ix_oracle_track_paths_account", "oracle_track_paths", ["account"])


def downgrade() -> None:
    op.drop_index("ix_oracle_track_paths_account", "oracle_track_paths")
    op.create_table(
        "oracle_epoch_credits",
        sa.Column("epoch", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("track_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("token", sa.String(42), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("account", sa.String(42), nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.Column("amount", sa.Text, nullable=False),
    )
    op.create_index("ix_oracle_epoch_credits_account", "oracle_epoch_credits", ["account", "token"])
    # Refilled from every epoch's moved amounts and the fixed paths (the products exceed 64
    # bits: the floor is taken in Python, as the engine does).
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT a.epoch, a.track_id, a.token, p.seq, p.account, p.via, a.amount, p.product, "
            "p.depth FROM oracle_epoch_track_amounts AS a JOIN oracle_track_paths AS p "
            "ON p.track_id = a.track_id ORDER BY a.epoch, a.track_id, a.token, p.seq"
        )
    )
    insert = sa.text(
        "INSERT INTO oracle_epoch_credits (epoch, track_id, token, seq, account, via, amount) "
        "VALUES (:e, :t, :k, :s, :a, :v, :m)"
    )
    batch: list[dict[str, object]] = []
    for epoch, track, token, seq, account, via, amount, product, depth in rows:
        credit = int(amount) * int(product) // 1_000_000 ** int(depth)
        batch.append(
            {"e": epoch, "t": track, "k": token, "s": seq, "a": account, "v": via, "m": str(credit)}
        )
        if len(batch) >= 10_000:
            conn.execute(insert, batch)
            batch = []
    if batch:
        conn.execute(insert, batch)
