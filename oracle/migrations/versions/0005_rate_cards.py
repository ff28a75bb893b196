"""Rate cards in the totals' key; debits the chain held back, and what is carried forward;
tracks' licence tier history (usage is judged by the tier in force in its period).

A (track, platform, class) total is kept per rate card (`rate_from`: the card's effectiveFrom,
0 for a platform's first card), so usage is priced by the card in force in its period
(oracle.settlement.engine). Rows written before this revision are all of the first card.

Revision ID: 0005_rate_cards
Revises: 0004_account_settlement
"""

from __future__ import annotations

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0005_rate_cards"
down_revision = "0004_account_settlement"
branch_labels = None
depends_on = None

_KEYS = {
    "oracle_epoch_totals": ["epoch", "track_id", "platform_id", "usage_class"],
    "oracle_settled_totals": ["track_id", "platform_id", "usage_class"],
}


def _key(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, primary_key=True, autoincrement=False)


def _rekey(*, with_rate_from: bool) -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with warnings.catch_warnings():
        # SQLite's batch copy reflects the old key, then takes the one given here (SAWarning).
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        for table, key in _KEYS.items():
            with op.batch_alter_table(table, recreate="auto" if postgres else "always") as batch:
                if postgres:
                    batch.drop_constraint(f"{table}_pkey", type_="primary")
                if with_rate_from:
                    batch.add_column(
                        sa.Column("rate_from", sa.BigInteger, nullable=False, server_default="0")
                    )
                    batch.create_primary_key(f"{table}_pkey", [*key, "rate_from"])
                else:
                    batch.drop_column("rate_from")
                    batch.create_primary_key(f"{table}_pkey", key)


def upgrade() -> None:
    _rekey(with_rate_from=True)
    op.create_table(
        "oracle_track_tiers",
        sa.Column(
            "track_id",
            sa.BigInteger,
            sa.ForeignKey("oracle_tracks.track_id"),
            primary_key=True,
        ),
        sa.Column("effective_from", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("tier", sa.SmallInteger, nullable=False),
    )
    op.create_table(
        "oracle_epoch_unpaid",
        _key("epoch"),
        _key("platform_id"),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("escrow", sa.String(80), nullable=False),
    )
    op.create_table(
        "oracle_carried_debits",
        _key("platform_id"),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oracle_track_tiers")
    op.drop_table("oracle_carried_debits")
    op.drop_table("oracle_epoch_unpaid")
    _rekey(with_rate_from=False)
