"""Fixtures of the API tests: migrated databases (SQLite, and PostgreSQL when configured),
one rolled-back transaction per test, an app bound to that transaction, and a running API
(uvicorn on loopback) per module and database kind."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from api_helpers import ADMIN_TOKEN
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.app import create_app, migrate_all
from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.db.session import get_session
from api.settings import ApiSettings

if TYPE_CHECKING:
    from live_api import LiveApi

POSTGRES_URL_ENV = "ROYALTIES_TEST_POSTGRES_URL"


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "postgresql":
        url = os.environ.get(POSTGRES_URL_ENV)
        if not url:
            pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'api.db'}"
    engine = make_engine(url)
    migrate_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(db_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = db_engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


def make_settings(tmp_path: Path, **overrides: object) -> ApiSettings:
    values: dict[str, object] = {
        "environment": "test",
        "database_url": "sqlite:///unused.db",
        "admin_token": ADMIN_TOKEN,
        "data_dir": tmp_path / "data",
        "deployment_file": tmp_path / "deployment.json",
    }
    values.update(overrides)
    return ApiSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(tmp_path: Path) -> ApiSettings:
    return make_settings(tmp_path)


def bind_app(
    settings: ApiSettings, engine: Engine, session: Session, chain: ChainGateway
) -> FastAPI:
    app = create_app(settings, engine=engine, chain=chain, run_migrations=False)

    def _session() -> Iterator[Session]:
        yield session

    app.dependency_overrides[get_session] = _session
    return app


@pytest.fixture
def client(settings: ApiSettings, db_engine: Engine, db_session: Session) -> Iterator[TestClient]:
    """An app without a reachable chain (routes that need one answer 503)."""
    app = bind_app(settings, db_engine, db_session, ChainGateway(settings))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# ---- fixtures with a real chain (anvil + contracts compiled from source) -------------------

OPERATOR_INDEX, MINTER_INDEX, RELAYER_INDEX = 0, 5, 19


@pytest.fixture(scope="session")
def chain_settings(
    tmp_path_factory: pytest.TempPathFactory, dev_chain: Any, dev_keys: list[str]
) -> ApiSettings:
    return make_settings(
        tmp_path_factory.mktemp("chain-api"),
        chain_id=dev_chain.chain_id,
        rpc_url=dev_chain.rpc_url,
        operator_key=dev_keys[OPERATOR_INDEX],
        minter_key=dev_keys[MINTER_INDEX],
        relayer_key=dev_keys[RELAYER_INDEX],
    )


@pytest.fixture(scope="session")
def gateway(chain_settings: ApiSettings, w3: Any, deployment: Any, sender_for: Any) -> ChainGateway:
    return ChainGateway(chain_settings, w3=w3, deployment=deployment, sender_factory=sender_for)


@pytest.fixture
def chain_client(
    chain_settings: ApiSettings, db_engine: Engine, db_session: Session, gateway: ChainGateway
) -> Iterator[TestClient]:
    """An app on the rolled-back test transaction, talking to the session's anvil deployment."""
    app = bind_app(chain_settings, db_engine, db_session, gateway)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def live(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    dev_chain: Any,
    w3: Any,
    dev_keys: list[str],
    deploy_fresh: Callable[..., Any],
    sender_for: Callable[..., Any],
) -> Iterator[LiveApi]:
    """The API running for a module; the module's `LIVE_API_SETTINGS` dict overrides settings."""
    from live_api import live_for  # it imports this conftest

    overrides: dict[str, object] = getattr(request.module, "LIVE_API_SETTINGS", {})
    with live_for(
        request,
        tmp_path_factory,
        (dev_chain, w3, dev_keys, deploy_fresh, sender_for),
        **overrides,
    ) as api:
        yield api
