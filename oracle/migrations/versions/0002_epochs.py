"""Epoch tables: epochs, signatures, totals moved, debits, held-back platforms, reports, settled.

Revision ID: 0002_epochs
Revises: 0001_intake
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_epochs"
down_revision = "0001_intake"
branch_labels = None
depends_on = None


def _key(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, primary_key=True, autoincrement=False)


def upgrade() -> None:
    op.create_table(
        "oracle_epochs",
        _key("epoch"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config_version", sa.BigInteger, nullable=False),
        sa.Column("cut_seq", sa.BigInteger, nullable=False),
        sa.Column("block_number", sa.BigInteger, nullable=False),
        sa.Column("root", sa.String(66), nullable=False),
        sa.Column("data_hash", sa.String(66), nullable=False),
        sa.Column("data_path", sa.Text, nullable=False, server_default=""),
        sa.Column("leaf_count", sa.BigInteger, nullable=False),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.Column("raw_tx", sa.Text, nullable=True),
        sa.Column("tx_nonce", sa.BigInteger, nullable=True),
        sa.Column("posted_block", sa.BigInteger, nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_epoch_signatures",
        _key("epoch"),
        sa.Column("signer", sa.String(42), primary_key=True),
        sa.Column("signature", sa.String(132), nullable=False),
    )
    op.create_table(
        "oracle_epoch_totals",
        _key("epoch"),
        _key("track_id"),
        _key("platform_id"),
        sa.Column("usage_class", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("micro_units", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
    )
    op.create_table(
        "oracle_settled_totals",
        _key("track_id"),
        _key("platform_id"),
        sa.Column("usage_class", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("micro_units", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.String(80), nullable=False),
        sa.Column("epoch", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_epoch_debits",
        _key("epoch"),
        _key("platform_id"),
        sa.Column("amount", sa.String(80), nullable=False),
    )
    op.create_table(
        "oracle_epoch_held_back",
        _key("epoch"),
        _key("platform_id"),
        sa.Column("debit", sa.String(80), nullable=False),
        sa.Column("escrow", sa.String(80), nullable=False),
    )
    op.create_table("oracle_epoch_reports", _key("epoch"), _key("report_version_id"))
    op.create_index(
        "ix_oracle_epoch_reports_version", "oracle_epoch_reports", ["report_version_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_oracle_epoch_reports_version", "oracle_epoch_reports")
    for table in (
        "oracle_epoch_reports",
        "oracle_epoch_held_back",
        "oracle_epoch_debits",
        "oracle_settled_totals",
        "oracle_epoch_totals",
        "oracle_epoch_signatures",
        "oracle_epochs",
    ):
        op.drop_table(table)
