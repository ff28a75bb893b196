"""api_track.settle_to_split: the track was registered with TrackRegistry's settleToSplit (its
split itself is the settlement account; the oracle does not flatten through it).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_track") as batch:
        batch.add_column(
            sa.Column("settle_to_split", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("api_track") as batch:
        batch.drop_column("settle_to_split")
