"""initial api schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 07:32:00.115087
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_auth_nonce",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("nonce"),
    )
    op.create_table(
        "api_chain_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("contract", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("account", sa.String(length=42), nullable=True),
        sa.Column("split", sa.String(length=42), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("block_number", "log_index", name="uq_api_chain_event_pos"),
    )
    with op.batch_alter_table("api_chain_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_chain_event_account"), ["account"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_api_chain_event_block_number"), ["block_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_api_chain_event_event"), ["event"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_chain_event_split"), ["split"], unique=False)

    op.create_table(
        "api_edition",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("price", sa.String(length=78), nullable=False),
        sa.Column("max_supply", sa.Integer(), nullable=False),
        sa.Column("sale_start", sa.Integer(), nullable=False),
        sa.Column("sale_end", sa.Integer(), nullable=False),
        sa.Column("per_wallet_cap", sa.Integer(), nullable=False),
        sa.Column("royalty_bps", sa.Integer(), nullable=False),
        sa.Column("created_tx", sa.String(length=66), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("edition_id"),
    )
    with op.batch_alter_table("api_edition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_edition_track_id"), ["track_id"], unique=False)

    op.create_table(
        "api_indexed_block",
        sa.Column("block_number", sa.Integer(), nullable=False),
        sa.Column("block_hash", sa.String(length=66), nullable=False),
        sa.PrimaryKeyConstraint("block_number"),
    )
    op.create_table(
        "api_mint_order",
        sa.Column("order_id", sa.String(length=66), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=42), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("order_id"),
    )
    with op.batch_alter_table("api_mint_order", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_mint_order_edition_id"), ["edition_id"], unique=False
        )

    op.create_table(
        "api_platform",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("payer_address", sa.String(length=42), nullable=False),
        sa.Column("signing_address", sa.String(length=42), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("declared_max_units", sa.String(length=78), nullable=False),
        sa.Column("api_key_hash", sa.String(length=64), nullable=False),
        sa.Column("registered_tx", sa.String(length=66), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform_id"),
        sa.UniqueConstraint("api_key_hash"),
        sa.UniqueConstraint("name"),
    )
    with op.batch_alter_table("api_platform", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_platform_signing_address"), ["signing_address"], unique=False
        )

    op.create_table(
        "api_relayed_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("request_hash", sa.String(length=66), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("pull_tx_hashes", sa.String(length=8000), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address", "idempotency_key", name="uq_api_relayed_claim_key"),
    )
    with op.batch_alter_table("api_relayed_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_relayed_claim_address"), ["address"], unique=False)

    op.create_table(
        "api_track",
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("split_address", sa.String(length=42), nullable=False),
        sa.Column("controller", sa.String(length=42), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("isrc", sa.String(length=12), nullable=True),
        sa.Column("ai_disclosure", sa.String(length=20), nullable=False),
        sa.Column("model_name", sa.String(length=200), nullable=True),
        sa.Column("dataset_attribution", sa.String(length=2000), nullable=True),
        sa.Column("content_hash", sa.String(length=66), nullable=False),
        sa.Column("metadata_hash", sa.String(length=66), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("ai_consent_mask", sa.Integer(), nullable=False),
        sa.Column("registered_tx", sa.String(length=66), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("track_id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("api_track", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_track_controller"), ["controller"], unique=False)
        batch_op.create_index(batch_op.f("ix_api_track_isrc"), ["isrc"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_api_track_split_address"), ["split_address"], unique=False
        )

    op.create_table(
        "api_wallet_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("api_wallet_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_wallet_session_address"), ["address"], unique=False
        )

    op.create_table(
        "api_track_contributor",
        sa.Column("track_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("share", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["api_track.track_id"],
        ),
        sa.PrimaryKeyConstraint("track_id", "address"),
    )
    with op.batch_alter_table("api_track_contributor", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_api_track_contributor_address"), ["address"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("api_track_contributor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_track_contributor_address"))

    op.drop_table("api_track_contributor")
    with op.batch_alter_table("api_wallet_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_wallet_session_address"))

    op.drop_table("api_wallet_session")
    with op.batch_alter_table("api_track", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_track_split_address"))
        batch_op.drop_index(batch_op.f("ix_api_track_isrc"))
        batch_op.drop_index(batch_op.f("ix_api_track_controller"))

    op.drop_table("api_track")
    with op.batch_alter_table("api_relayed_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_relayed_claim_address"))

    op.drop_table("api_relayed_claim")
    with op.batch_alter_table("api_platform", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_platform_signing_address"))

    op.drop_table("api_platform")
    with op.batch_alter_table("api_mint_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_mint_order_edition_id"))

    op.drop_table("api_mint_order")
    op.drop_table("api_indexed_block")
    with op.batch_alter_table("api_edition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_edition_track_id"))

    op.drop_table("api_edition")
    with op.batch_alter_table("api_chain_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_chain_event_split"))
        batch_op.drop_index(batch_op.f("ix_api_chain_event_event"))
        batch_op.drop_index(batch_op.f("ix_api_chain_event_block_number"))
        batch_op.drop_index(batch_op.f("ix_api_chain_event_account"))

    op.drop_table("api_chain_event")
    op.drop_table("api_auth_nonce")
