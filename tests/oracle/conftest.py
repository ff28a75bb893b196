"""Oracle intake fixtures: a migrated store (SQLite; PostgreSQL too when configured) and the kit."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from test_intake_kit import CHAIN_ID, ISRC_1, SETTLEMENT, IntakeKit

from oracle.settings import OracleSettings
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade

POSTGRES_URL_ENV = "ROYALTIES_TEST_POSTGRES_URL"


@contextmanager
def _fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the test server (dropped afterwards): tests share no tables."""
    url = make_url(server_url)
    name = f"oracle_intake_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def intake_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """SQLite in a temp dir; also PostgreSQL when ROYALTIES_TEST_POSTGRES_URL names a server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'oracle.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_ENV)
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    with _fresh_postgres_database(server_url) as url:
        yield url


@pytest.fixture
def intake_settings(tmp_path: Path, intake_database_url: str) -> OracleSettings:
    return OracleSettings(
        database_url=intake_database_url,
        data_dir=tmp_path / "data",
        chain_id=CHAIN_ID,
        settlement_address=SETTLEMENT,
        spike_multiple=5,
        spike_min_units=100,
        max_listed_errors=5,
    )


@pytest.fixture
def intake_engine(intake_settings: OracleSettings) -> Iterator[Engine]:
    upgrade(intake_settings.database_url)
    engine = create_store_engine(intake_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def kit(intake_settings: OracleSettings, intake_engine: Engine, tmp_path: Path) -> IntakeKit:
    """A store with platform 1 and tracks 1 (ISRC USRC17607839), 2, 3 at tier 6 with AI consent."""
    made = IntakeKit(intake_settings, intake_engine, tmp_path)
    made.add_platform()
    made.add_track(1, isrc=ISRC_1)
    made.add_track(2)
    made.add_track(3)
    return made
