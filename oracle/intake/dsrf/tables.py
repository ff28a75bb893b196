"""Tables of DSR intake (migration 0003_dsrf creates exactly these)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

from oracle.store.schema import AutoId, metadata

#: Per-platform rows of the (record, CommercialModel, UseType) -> usage class table; `*` = any.
class_overrides = Table(
    "oracle_dsr_class_overrides",
    metadata,
    Column("platform_id", BigInteger, primary_key=True, autoincrement=False),
    Column("record", String(8), primary_key=True),
    Column("commercial_model", String(100), primary_key=True),
    Column("use_type", String(100), primary_key=True),
    Column("usage_class", SmallInteger, nullable=False),
)

#: Usage of ISRCs not in the catalog when the report was accepted (reason `unknown_track`).
#: `quarantine_id` is set once the ISRC's track is registered and the usage was moved into the
#: quarantine table (released there, i.e. counted, unless a consent or tier rule holds it).
unknown_usage = Table(
    "oracle_dsr_unknown_usage",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("report_version_id", BigInteger, ForeignKey("oracle_reports.id"), nullable=False),
    Column("isrc", String(12), nullable=False),
    Column("usage_class", SmallInteger, nullable=False),
    Column("micro_units", BigInteger, nullable=False),
    Column("sample_lines", String(200), nullable=False, server_default=""),
    Column("track_id", BigInteger, nullable=True),
    Column("quarantine_id", BigInteger, nullable=True),
    Index("ix_oracle_dsr_unknown_isrc", "isrc"),
)

#: Reported revenue, currency and territory per aggregated line of an accepted DSR.
revenue_lines = Table(
    "oracle_dsr_revenue",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("report_version_id", BigInteger, ForeignKey("oracle_reports.id"), nullable=False),
    Column("isrc", String(12), nullable=False),
    Column("track_id", BigInteger, nullable=True),
    Column("usage_class", SmallInteger, nullable=False),
    Column("use_type", String(100), nullable=False),
    Column("commercial_model", String(100), nullable=False),
    Column("territory", String(16), nullable=False),
    Column("currency", String(8), nullable=False, server_default=""),
    Column("units", BigInteger, nullable=False),
    # Exact decimal text as summed from the report's cells ("" when the profile reports none).
    Column("revenue", Text, nullable=False, server_default=""),
    Index("ix_oracle_dsr_revenue_track", "track_id"),
    # Only the lines still waiting for their track (what registering a track looks up).
    Index(
        "ix_oracle_dsr_revenue_isrc",
        "isrc",
        sqlite_where=text("track_id IS NULL"),
        postgresql_where=text("track_id IS NULL"),
    ),
)

#: The files of a multi-file report version, in FileNumber order (their hashes are signed).
report_files = Table(
    "oracle_dsr_files",
    metadata,
    Column("report_version_id", BigInteger, ForeignKey("oracle_reports.id"), primary_key=True),
    Column("file_number", SmallInteger, primary_key=True, autoincrement=False),
    Column("file_name", String(500), nullable=False),
    Column("keccak", String(66), nullable=False),
    Column("raw_path", String(500), nullable=False),
)
