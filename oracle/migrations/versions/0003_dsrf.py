"""DSR intake tables: class overrides, unknown-ISRC usage, revenue per line, report files.

Revision ID: 0003_dsrf
Revises: 0002_epochs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_dsrf"
down_revision = "0002_epochs"
branch_labels = None
depends_on = None

_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _version_fk(primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "report_version_id",
        sa.BigInteger,
        sa.ForeignKey("oracle_reports.id"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "oracle_dsr_class_overrides",
        sa.Column("platform_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("record", sa.String(8), primary_key=True),
        sa.Column("commercial_model", sa.String(100), primary_key=True),
        sa.Column("use_type", sa.String(100), primary_key=True),
        sa.Column("usage_class", sa.SmallInteger, nullable=False),
    )
    op.create_table(
        "oracle_dsr_unknown_usage",
        sa.Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
        _version_fk(),
        sa.Column("isrc", sa.String(12), nullable=False),
        sa.Column("usage_class", sa.SmallInteger, nullable=False),
        sa.Column("micro_units", sa.BigInteger, nullable=False),
        sa.Column("sample_lines", sa.String(200), nullable=False, server_default=""),
        sa.Column("track_id", sa.BigInteger, nullable=True),
        sa.Column("quarantine_id", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_oracle_dsr_unknown_isrc", "oracle_dsr_unknown_usage", ["isrc"])
    op.create_table(
        "oracle_dsr_revenue",
        sa.Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
        _version_fk(),
        sa.Column("isrc", sa.String(12), nullable=False),
        sa.Column("track_id", sa.BigInteger, nullable=True),
        sa.Column("usage_class", sa.SmallInteger, nullable=False),
        sa.Column("use_type", sa.String(100), nullable=False),
        sa.Column("commercial_model", sa.String(100), nullable=False),
        sa.Column("territory", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(8), nullable=False, server_default=""),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("revenue", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_oracle_dsr_revenue_track", "oracle_dsr_revenue", ["track_id"])
    op.create_index(
        "ix_oracle_dsr_revenue_isrc",
        "oracle_dsr_revenue",
        ["isrc"],
        sqlite_where=sa.text("track_id IS NULL"),
        postgresql_where=sa.text("track_id IS NULL"),
    )
    op.create_table(
        "oracle_dsr_files",
        _version_fk(primary_key=True),
        sa.Column("file_number", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("keccak", sa.String(66), nullable=False),
        sa.Column("raw_path", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("oracle_dsr_files")
    op.drop_index("ix_oracle_dsr_revenue_isrc", "oracle_dsr_revenue")
    op.drop_index("ix_oracle_dsr_revenue_track", "oracle_dsr_revenue")
    op.drop_table("oracle_dsr_revenue")
    op.drop_index("ix_oracle_dsr_unknown_isrc", "oracle_dsr_unknown_usage")
    op.drop_table("oracle_dsr_unknown_usage")
    op.drop_table("oracle_dsr_class_overrides")
