"""Read index for the contributor dashboard and transparency report.

The dashboard reads the oracle's per-epoch totals by track; that table's primary key starts
with the epoch, so without this index every read scans all tracks of all epochs. The index
belongs to the API's read path and is created only when the oracle's table exists.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEX = "ix_api_read_oracle_epoch_totals_track"
TABLE = "oracle_epoch_totals"


def upgrade() -> None:
    if TABLE in sa.inspect(op.get_bind()).get_table_names():
        op.create_index(INDEX, TABLE, ["track_id", "epoch"], if_not_exists=True)


def downgrade() -> None:
    if TABLE in sa.inspect(op.get_bind()).get_table_names():
        op.drop_index(INDEX, table_name=TABLE, if_exists=True)
