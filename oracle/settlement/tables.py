"""Tables of per-account settlement (SQLAlchemy Core); migration 0004_account_settlement.

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
    Index("ix_oracle_track_paths_epoch", "epoch"),
    # An account's sources (migration 0009_derived_epoch_credits): what an epoch credited along a
    # path is not stored, it is path_credit(the epoch's oracle_epoch_track_amounts amount,
    # product, depth).
    Index("ix_oracle_track_paths_account", "account"),
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

leaf_versions = Table(
    "oracle_leaf_versions",
    metadata,
    # Versioned leaves (migration 0007_versioned_tree): a row per (leaf position, epoch that set its
    # amount). A leaf's position is fixed when its (account, token) first gets a non-zero amount
    # (new leaves of an epoch are appended after all existing ones, in (account, token) byte
    # order); amounts never fall, so a leaf never leaves the tree. The leaf of epoch E is the
    # newest version with epoch <= E. `hash` is its tree leaf hash (level 0 of the tree).
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("account", String(42), nullable=False),
    Column("token", String(42), nullable=False),
    Column("amount", Text, nullable=False),
    # The epoch in which this leaf's amount last changed (= epoch, except for migrated copies).
    Column("since_epoch", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    Index("ix_oracle_leaf_versions_epoch", "epoch", "position"),
)

leaf_positions = Table(
    "oracle_leaf_positions",
    metadata,
    # Where each (account, token)'s leaf is (migration 0011_leaf_positions): written once, by the
    # epoch that appended the leaf (positions never move), so an epoch's new leaf versions add
    # no entry to an account index (at 1M/100k that index took 134k random inserts per epoch and
    # as many deletes at confirmation).
    Column("account", String(42), primary_key=True),
    Column("token", String(42), primary_key=True),
    Column("position", BigInteger, nullable=False, unique=True),
    Column("epoch", BigInteger, nullable=False),
    Index("ix_oracle_leaf_positions_epoch", "epoch"),
)

tree_chunks = Table(
    "oracle_tree_chunks",
    metadata,
    # The tree's inner nodes (migrations 0010_tree_chunks, 0012_wider_tree_chunks), versioned like
    # the leaves: a row per (level >= 1, chunk, epoch that changed a node of it) holding the 32-byte
    # hashes of nodes chunk*64 .. chunk*64+63 of the level, concatenated (fewer in the level's last
    # chunk); node i of level k+1 = hash of nodes 2i, 2i+1 of level k (level 0: the leaf hashes of
    # oracle_leaf_versions). The chunk of epoch E is the newest version with epoch <= E
    # (oracle.settlement.tree_store).
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("chunk", BigInteger, primary_key=True, autoincrement=False),
    Column("epoch", BigInteger, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
    Index("ix_oracle_tree_chunks_epoch", "epoch", "level", "chunk"),
)

#: Each (account, token)'s leaf versions, found through its fixed position.
leaves_of_accounts = leaf_positions.join(
    leaf_versions, leaf_versions.c.position == leaf_positions.c.position
)

#: Rows an epoch owns (deleted with it when it is rebuilt).
SETTLEMENT_EPOCH_TABLES = (
    epoch_cuts,
    epoch_track_amounts,
    leaf_versions,
    leaf_positions,
    tree_chunks,
)
#: Versioned tables: on confirming epoch E, the versions E superseded are deleted (proofs are
#: served for the latest confirmed epoch and newer ones).
VERSIONED_TABLES = (leaf_versions, tree_chunks)
