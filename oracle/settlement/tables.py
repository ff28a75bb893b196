"""Tables of per-account settlement (SQLAlchemy Core); migration 0003_account_settlement.

Addresses are stored lower-case 0x-hex (42 characters), so text order is byte order; the query
functions return checksum addresses. Token amounts can exceed 64 bits and are decimal text;
share products (up to 1e24) are decimal text too.

Naming follows the epoch tables: ``oracle_epoch_*`` holds what one epoch computed (kept for the
history), the un-prefixed table holds the latest confirmed value (the base of the next epoch).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

from oracle.store.schema import metadata

split_recipients = Table(
    "oracle_split_recipients",
    metadata,
    # A split's recipient list as the catalog holds it (upserted by whoever registers the track);
    # used only once it matched the split's on-chain recipientsRoot() (oracle_splits.chain_root).
    Column("split", String(42), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("recipient", String(42), nullable=False),
    Column("share", BigInteger, nullable=False),
)

splits = Table(
    "oracle_splits",
    metadata,
    Column("split", String(42), primary_key=True),
    # recipientsRoot of the catalog's list (chain_client.merkle.recipients_root).
    Column("list_root", String(66), nullable=False),
    # recipientsRoot() read from the split contract (cached: splits are immutable). NULL = not read.
    Column("chain_root", String(66), nullable=True),
    Column("checked_block", BigInteger, nullable=True),
)

track_paths = Table(
    "oracle_track_paths",
    metadata,
    # A track's flattening, fixed the first time the track is settled: one row per terminal path.
    # via = the splits from the track's split to the one paying `account`, comma-separated;
    # product = prod(shares) along the path, depth = number of shares (0: the split is the account).
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("account", String(42), nullable=False),
    Column("via", Text, nullable=False),
    Column("product", Text, nullable=False),
    Column("depth", SmallInteger, nullable=False),
    Column("epoch", BigInteger, nullable=False),
)

settled_cuts = Table(
    "oracle_settled_cuts",
    metadata,
    # Per platform: the intake cut its settled totals are at (held-back platforms lag behind).
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("cut_seq", BigInteger, nullable=False),
    Column("epoch", BigInteger, nullable=False),
)

epoch_cuts = Table(
    "oracle_epoch_cuts",
    metadata,
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("cut_seq", BigInteger, nullable=False),
)

track_amounts = Table(
    "oracle_track_amounts",
    metadata,
    # The latest confirmed cumulative amount per (track, token).
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("token", String(42), primary_key=True),
    Column("amount", Text, nullable=False),
    Column("epoch", BigInteger, nullable=False),
)

epoch_track_amounts = Table(
    "oracle_epoch_track_amounts",
    metadata,
    # The (track, token) amounts an epoch moves.
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("token", String(42), primary_key=True),
    Column("amount", Text, nullable=False),
)

credits = Table(
    "oracle_credits",
    metadata,
    # The latest confirmed credit per (track, token, path): floor(A * product / 1e6^depth).
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("token", String(42), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("account", String(42), nullable=False),
    Column("via", Text, nullable=False),
    Column("amount", Text, nullable=False),
    Column("epoch", BigInteger, nullable=False),
    Index("ix_oracle_credits_account", "account", "token"),
)

epoch_credits = Table(
    "oracle_epoch_credits",
    metadata,
    # Every path credit of the (track, token)s an epoch moves.
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("token", String(42), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("account", String(42), nullable=False),
    Column("via", Text, nullable=False),
    Column("amount", Text, nullable=False),
    Index("ix_oracle_epoch_credits_account", "account", "token"),
)

epoch_leaves = Table(
    "oracle_epoch_leaves",
    metadata,
    # Every leaf of an epoch's tree, in tree order (account, token ascending).
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("account", String(42), nullable=False),
    Column("token", String(42), nullable=False),
    Column("amount", Text, nullable=False),
    # The epoch in which this leaf's amount last changed.
    Column("since_epoch", BigInteger, nullable=False),
    Index("ix_oracle_epoch_leaves_account", "epoch", "account", "token", unique=True),
)

epoch_nodes = Table(
    "oracle_epoch_nodes",
    metadata,
    # The tree's levels, NODE_CHUNK nodes per row: level 0 = leaf hashes in leaf order, the
    # last level = the root. Node i of a level: chunk i // NODE_CHUNK, at 32 * (i % NODE_CHUNK).
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("chunk", BigInteger, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)

#: Rows an epoch owns (deleted with it when it is rebuilt).
SETTLEMENT_EPOCH_TABLES = (
    epoch_cuts,
    epoch_track_amounts,
    epoch_credits,
    epoch_leaves,
    epoch_nodes,
)
#: Per-epoch tables pruned below the latest confirmed epoch (proofs are served for it and newer).
PRUNED_TABLES = (epoch_leaves, epoch_nodes)
