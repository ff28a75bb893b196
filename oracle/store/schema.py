"""Tables of the oracle's intake (SQLAlchemy Core). Migration 0001_intake creates exactly these.

Every table name starts with ``oracle_`` so the oracle can share a database with the API.
Integers that can exceed 64 bits (token rates) are stored as decimal text.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: Autoincrementing 64-bit key (SQLite only autoincrements INTEGER PRIMARY KEY).
AutoId = BigInteger().with_variant(Integer(), "sqlite")

platforms = Table(
    "oracle_platforms",
    metadata,
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False, server_default=""),
    Column("signer_address", String(42), nullable=False),
    Column("token", String(42), nullable=False),
    # JSON list of six decimal strings: rate per usage class, token base units per unit x 1e6.
    Column("rates", Text, nullable=False),
    # Declared bound on one report's total usage, in whole units; NULL = no bound.
    Column("max_units_per_report", BigInteger, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

tracks = Table(
    "oracle_tracks",
    metadata,
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("isrc", String(12), nullable=True, unique=True),
    Column("split_address", String(42), nullable=True),
    Column("controller", String(42), nullable=True),
    Column("tier", SmallInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    # 1 = registered with settleToSplit: the split itself is the settlement account.
    Column("settle_to_split", SmallInteger, nullable=False, server_default="0"),
    # The epoch engine finds a split's track (is a nested recipient an expandable split?).
    Index("ix_oracle_tracks_split_address", "split_address"),
)

track_tiers = Table(
    "oracle_track_tiers",
    metadata,
    # The track's licence tier history (TrackRegistry.tierHistory; migration 0005_rate_cards):
    # `tier` is in force from `effective_from` (0 = registration) until the next row.
    Column("track_id", BigInteger, ForeignKey("oracle_tracks.track_id"), primary_key=True),
    Column("effective_from", BigInteger, primary_key=True, autoincrement=False),
    Column("tier", SmallInteger, nullable=False),
)

track_consents = Table(
    "oracle_track_consents",
    metadata,
    Column("track_id", BigInteger, ForeignKey("oracle_tracks.track_id"), primary_key=True),
    Column("usage_class", SmallInteger, primary_key=True, autoincrement=False),
    # Unix seconds; 0 = never.
    Column("granted_at", BigInteger, nullable=False, server_default="0"),
    Column("revoked_at", BigInteger, nullable=False, server_default="0"),
)

reports = Table(
    "oracle_reports",
    metadata,
    # One row per received report version (the id is the "report version id").
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("platform_id", BigInteger, ForeignKey("oracle_platforms.platform_id"), nullable=False),
    Column("report_id", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("message_id", String(200), nullable=True),
    Column("format", SmallInteger, nullable=False),
    Column("content_hash", String(66), nullable=False),
    Column("raw_hash", String(66), nullable=False),
    Column("raw_path", String(500), nullable=False),
    Column("file_name", String(500), nullable=False),
    Column("signature", Text, nullable=False),
    Column("signer", String(42), nullable=True),
    Column("period_start", BigInteger, nullable=True),
    Column("period_end", BigInteger, nullable=True),
    # received -> accepted | rejected ; accepted -> superseded (by a correction).
    Column("status", String(16), nullable=False),
    # Assigned when accepted, from oracle_counters 'intake_seq'; strictly increasing.
    Column("intake_seq", BigInteger, nullable=True, unique=True),
    Column("supersedes_id", BigInteger, nullable=True),
    Column("superseded_by_id", BigInteger, nullable=True),
    Column("settled_epoch", BigInteger, nullable=True),
    Column("line_count", BigInteger, nullable=False, server_default="0"),
    Column("payable_micro_units", BigInteger, nullable=False, server_default="0"),
    Column("quarantined_micro_units", BigInteger, nullable=False, server_default="0"),
    Column("error_count", Integer, nullable=False, server_default="0"),
    # JSON list of {file, line, field, message}, capped; error_count has the full count.
    Column("errors", Text, nullable=False, server_default="[]"),
    Column("received_at", BigInteger, nullable=False),
    Column("decided_at", BigInteger, nullable=True),
    UniqueConstraint("platform_id", "report_id", "content_hash", name="uq_oracle_reports_content"),
    Index("ix_oracle_reports_platform_report", "platform_id", "report_id"),
    Index("ix_oracle_reports_platform_status", "platform_id", "status"),
)

usage = Table(
    "oracle_usage",
    metadata,
    # Aggregated payable usage of one report version: one row per (track, class).
    Column("report_version_id", BigInteger, ForeignKey("oracle_reports.id"), primary_key=True),
    Column("track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("usage_class", SmallInteger, primary_key=True, autoincrement=False),
    Column("micro_units", BigInteger, nullable=False),
)

ai_generations = Table(
    "oracle_ai_generations",
    metadata,
    # Generations reported per generated track (0 = the report named no generated track).
    Column("report_version_id", BigInteger, ForeignKey("oracle_reports.id"), primary_key=True),
    Column("generated_track_id", BigInteger, primary_key=True, autoincrement=False),
    Column("usage_class", SmallInteger, primary_key=True, autoincrement=False),
    Column("generations", BigInteger, nullable=False),
)

quarantine = Table(
    "oracle_quarantine",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("report_version_id", BigInteger, ForeignKey("oracle_reports.id"), nullable=False),
    Column("track_id", BigInteger, nullable=False),
    Column("usage_class", SmallInteger, nullable=False),
    Column("reason", String(32), nullable=False),
    Column("detail", Text, nullable=False, server_default=""),
    Column("micro_units", BigInteger, nullable=False),
    Column("sample_lines", String(200), nullable=False, server_default=""),
    # held -> released | rejected
    Column("status", String(16), nullable=False),
    # Taken from the intake_seq counter when released, so an epoch cut decides deterministically.
    Column("decision_seq", BigInteger, nullable=True),
    Column("decided_at", BigInteger, nullable=True),
    Column("decided_by", String(200), nullable=True),
    UniqueConstraint(
        "report_version_id", "track_id", "usage_class", name="uq_oracle_quarantine_key"
    ),
    Index("ix_oracle_quarantine_status", "status"),
    # Incremental epochs read the releases decided between two cuts.
    Index("ix_oracle_quarantine_decision_seq", "decision_seq"),
)

counters = Table(
    "oracle_counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

INTAKE_SEQ_COUNTER = "intake_seq"
