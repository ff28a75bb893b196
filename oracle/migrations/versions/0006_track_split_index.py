"""An index on oracle_tracks.split_address: the epoch engine looks up a split's track for every
split it meets while flattening (without it each lookup scanned the whole catalog).

Revision ID: 0006_track_split_index
Revises: 0005_rate_cards
"""

from __future__ import annotations

from alembic import op

revision = "0006_track_split_index"
down_revision = "0005_rate_cards"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_oracle_tracks_split_address", "oracle_tracks", ["split_address"])


def downgrade() -> None:
    op.drop_index("ix_oracle_tracks_split_address", "oracle_tracks")
