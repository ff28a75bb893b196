"""Intake tables: catalog, reports, aggregated usage, AI generation counts, quarantine, counters.

Revision ID: 0001_intake
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_intake"
down_revision = None
branch_labels = None
depends_on = None

_AUTO_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "oracle_platforms",
        sa.Column("platform_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("signer_address", sa.String(42), nullable=False),
        sa.Column("token", sa.String(42), nullable=False),
        sa.Column("rates", sa.Text, nullable=False),
        sa.Column("max_units_per_report", sa.BigInteger, nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_tracks",
        sa.Column("track_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("isrc", sa.String(12), nullable=True, unique=True),
        sa.Column("split_address", sa.String(42), nullable=True),
        sa.Column("controller", sa.String(42), nullable=True),
        sa.Column("tier", sa.SmallInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_track_consents",
        sa.Column(
            "track_id", sa.BigInteger, sa.ForeignKey("oracle_tracks.track_id"), primary_key=True
        ),
        sa.Column("usage_class", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("granted_at", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("revoked_at", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "oracle_reports",
        sa.Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "platform_id",
            sa.BigInteger,
            sa.ForeignKey("oracle_platforms.platform_id"),
            nullable=False,
        ),
        sa.Column("report_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("format", sa.SmallInteger, nullable=False),
        sa.Column("content_hash", sa.String(66), nullable=False),
        sa.Column("raw_hash", sa.String(66), nullable=False),
        sa.Column("raw_path", sa.String(500), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("signature", sa.Text, nullable=False),
        sa.Column("signer", sa.String(42), nullable=True),
        sa.Column("period_start", sa.BigInteger, nullable=True),
        sa.Column("period_end", sa.BigInteger, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("intake_seq", sa.BigInteger, nullable=True, unique=True),
        sa.Column("supersedes_id", sa.BigInteger, nullable=True),
        sa.Column("superseded_by_id", sa.BigInteger, nullable=True),
        sa.Column("settled_epoch", sa.BigInteger, nullable=True),
        sa.Column("line_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("payable_micro_units", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("quarantined_micro_units", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("errors", sa.Text, nullable=False, server_default="[]"),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.Column("decided_at", sa.BigInteger, nullable=True),
        sa.UniqueConstraint(
            "platform_id", "report_id", "content_hash", name="uq_oracle_reports_content"
        ),
    )
    op.create_index(
        "ix_oracle_reports_platform_report", "oracle_reports", ["platform_id", "report_id"]
    )
    op.create_index(
        "ix_oracle_reports_platform_status", "oracle_reports", ["platform_id", "status"]
    )
    op.create_table(
        "oracle_usage",
        sa.Column(
            "report_version_id", sa.BigInteger, sa.ForeignKey("oracle_reports.id"), primary_key=True
        ),
        sa.Column("track_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("usage_class", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("micro_units", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_ai_generations",
        sa.Column(
            "report_version_id", sa.BigInteger, sa.ForeignKey("oracle_reports.id"), primary_key=True
        ),
        sa.Column("generated_track_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("usage_class", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("generations", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oracle_quarantine",
        sa.Column("id", _AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "report_version_id", sa.BigInteger, sa.ForeignKey("oracle_reports.id"), nullable=False
        ),
        sa.Column("track_id", sa.BigInteger, nullable=False),
        sa.Column("usage_class", sa.SmallInteger, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("micro_units", sa.BigInteger, nullable=False),
        sa.Column("sample_lines", sa.String(200), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision_seq", sa.BigInteger, nullable=True),
        sa.Column("decided_at", sa.BigInteger, nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.UniqueConstraint(
            "report_version_id", "track_id", "usage_class", name="uq_oracle_quarantine_key"
        ),
    )
    op.create_index("ix_oracle_quarantine_status", "oracle_quarantine", ["status"])
    counters = op.create_table(
        "oracle_counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "intake_seq", "value": 0}])


def downgrade() -> None:
    for table in (
        "oracle_counters",
        "oracle_quarantine",
        "oracle_ai_generations",
        "oracle_usage",
        "oracle_reports",
        "oracle_track_consents",
        "oracle_tracks",
        "oracle_platforms",
    ):
        op.drop_table(table)
