"""Alembic environment of the oracle's store; run through `oracle.store.migrate.upgrade`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from oracle.store.schema import metadata

VERSION_TABLE = "oracle_alembic_version"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run the oracle migrations through oracle.store.migrate.upgrade(database_url)"
    )
_run(connection)
