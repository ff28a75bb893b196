"""Schema migrations of the oracle's store (Alembic, version table ``oracle_alembic_version``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from oracle.store.engine import create_store_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Brings the store at `database_url` up to `revision` (idempotent)."""
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str) -> None:
    """Reverts the store at `database_url` to `revision` (``base`` removes every oracle table)."""
    engine = create_store_engine(database_url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()
