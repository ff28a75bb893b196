"""Alembic environment of the API; the connection is handed in by api.db.migrate."""

from __future__ import annotations

from alembic import context

from api.db.migrate import VERSION_TABLE
from api.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the API migrations through api.db.migrate.upgrade(url)")


def _is_api_table(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # The oracle's tables live in the same database under their own migration tree.
    return type_ != "table" or bool(name and name.startswith("api_"))


context.configure(
    connection=connection,
    include_object=_is_api_table,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
