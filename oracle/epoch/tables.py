"""Tables of the epoch part (SQLAlchemy Core). Migration 0002_epochs creates exactly these.

Token amounts can exceed 64 bits (18-decimal tokens), so they are stored as decimal text.
An epoch row that is not confirmed can be replaced by a rebuild of the same epoch number.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, SmallInteger, String, Table, Text, text

from oracle.store.schema import metadata

#: built -> signed -> tx_signed -> sent -> [posted: root pending] -> confirmed | revoked;
#: abandoned when its post can no longer succeed (rebuilt under the same number).
#: Peer nodes only hold signed (what they computed and signed), posted, confirmed, revoked.
EPOCH_STATUSES = (
    "built",
    "signed",
    "tx_signed",
    "sent",
    "posted",
    "confirmed",
    "revoked",
    "abandoned",
)

epochs = Table(
    "oracle_epochs",
    metadata,
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),
    Column("config_version", BigInteger, nullable=False),
    Column("cut_seq", BigInteger, nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("root", String(66), nullable=False),
    Column("data_hash", String(66), nullable=False),
    Column("data_path", Text, nullable=False, server_default=""),
    Column("leaf_count", BigInteger, nullable=False),
    Column("tx_hash", String(66), nullable=True),
    Column("raw_tx", Text, nullable=True),
    Column("tx_nonce", BigInteger, nullable=True),
    Column("posted_block", BigInteger, nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

epoch_signatures = Table(
    "oracle_epoch_signatures",
    metadata,
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("signer", String(42), primary_key=True),
    Column("signature", String(132), nullable=False),
)

epoch_totals = Table(
    "oracle_epoch_totals",
    metadata,
    # The totals an epoch moves: cumulative micro-units and amount after the epoch.
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("usage_class", SmallInteger, primary_key=True, autoincrement=False),
    # The effectiveFrom of the platform's rate card that prices these units (0: its first card).
    Column("rate_from", BigInteger, primary_key=True, autoincrement=False, server_default="0"),
    Column("micro_units", BigInteger, nullable=False),
    Column("amount", String(80), nullable=False),
    # Payable micro-units in the store at the cut when they differ from micro_units (a
    # correction below the settled value); NULL = equal to micro_units.
    Column("store_units", BigInteger, nullable=True),
)

settled_totals = Table(
    "oracle_settled_totals",
    metadata,
    # The latest confirmed cumulative total per (track, platform, class, rate card).
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("usage_class", SmallInteger, primary_key=True, autoincrement=False),
    Column("rate_from", BigInteger, primary_key=True, autoincrement=False, server_default="0"),
    Column("micro_units", BigInteger, nullable=False),
    Column("amount", String(80), nullable=False),
    Column("epoch", BigInteger, nullable=False),
    # As in oracle_epoch_totals: the store's units at the platform's settled cut, NULL = equal.
    Column("store_units", BigInteger, nullable=True),
    # The few totals corrected below their settled value, listed by every data file.
    Index(
        "ix_oracle_settled_totals_below",
        "store_units",
        sqlite_where=text("store_units IS NOT NULL"),
        postgresql_where=text("store_units IS NOT NULL"),
    ),
)

epoch_debits = Table(
    "oracle_epoch_debits",
    metadata,
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("amount", String(80), nullable=False),
)

epoch_held_back = Table(
    "oracle_epoch_held_back",
    metadata,
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("debit", String(80), nullable=False),
    Column("escrow", String(80), nullable=False),
)

epoch_unpaid = Table(
    "oracle_epoch_unpaid",
    metadata,
    # Debits of a posted epoch that the chain held back (DebitHeldBack: the escrow was short at
    # the post). Not paid: the amount is carried into the platform's next debit.
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("amount", String(80), nullable=False),
    Column("escrow", String(80), nullable=False),
)

carried_debits = Table(
    "oracle_carried_debits",
    metadata,
    # Per platform: what confirmed epochs put into leaves but the chain did not debit yet
    # (a held-back debit); added to the platform's next debit until a post takes it.
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("amount", String(80), nullable=False),
    Column("epoch", BigInteger, nullable=False),
)

epoch_reports = Table(
    "oracle_epoch_reports",
    metadata,
    # Report versions (oracle_reports.id) whose usage this epoch settles.
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("report_version_id", BigInteger, primary_key=True, autoincrement=False),
    Index("ix_oracle_epoch_reports_version", "report_version_id"),
)

EPOCH_CHILD_TABLES = (
    epoch_signatures,
    epoch_totals,
    epoch_debits,
    epoch_held_back,
    epoch_unpaid,
    epoch_reports,
)
