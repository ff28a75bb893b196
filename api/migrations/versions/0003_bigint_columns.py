"""64-bit integer columns for chain ids, unix times and supplies (PostgreSQL INTEGER is 32-bit).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = {
    "api_track": ("track_id", "tier", "ai_consent_mask"),
    "api_track_contributor": ("track_id", "share"),
    "api_platform": ("platform_id",),
    "api_edition": (
        "edition_id",
        "track_id",
        "max_supply",
        "sale_start",
        "sale_end",
        "per_wallet_cap",
        "royalty_bps",
    ),
    "api_mint_order": ("edition_id", "quantity"),
    "api_indexed_block": ("block_number",),
    "api_chain_event": ("block_number", "log_index"),
}


def _alter(kind: type[sa.types.TypeEngine[int]], previous: type[sa.types.TypeEngine[int]]) -> None:
    # SQLite's INTEGER is already 64-bit; only PostgreSQL needs the change.
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=kind(), existing_type=previous())


def upgrade() -> None:
    _alter(sa.BigInteger, sa.Integer)


def downgrade() -> None:
    _alter(sa.Integer, sa.BigInteger)
