"""A running API (uvicorn on 127.0.0.1, a real port) over a committed database and anvil.

Used by the hostile-input and concurrency tests: requests go over loopback HTTP, as an outside
client's would, and the database is SQLite (a file) or a fresh PostgreSQL database.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from api_helpers import (
    address_of,
    admin_headers,
    bearer,
    run_epoch,
    signed_json_report,
    track_body,
)
from conftest import POSTGRES_URL_ENV, make_settings
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from api.app import create_app
from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from chain_client.constants import NATIVE_TOKEN
from oracle.store.schema import quarantine, reports, usage

RATE = 10**15


@contextmanager
def fresh_database(kind: str, tmp: Path) -> Iterator[str]:
    """A database URL for one test module: a SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'live.db'}"
        return
    base = os.environ[POSTGRES_URL_ENV]
    name = f"rel_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class LivePlatform:
    platform_id: int
    key: str
    api_key: str


@dataclass
class LiveApi:
    base_url: str
    engine: Engine
    gateway: ChainGateway
    settings: Any
    keys: list[str]
    http: httpx.Client
    tracks: list[int] = field(default_factory=list)

    @property
    def settlement(self) -> str:
        return str(self.gateway.deployment.usage_settlement)

    def onboard(self, key: str, name: str) -> LivePlatform:
        response = self.http.post(
            "/v1/platforms",
            json={
                "name": name,
                "payer": address_of(key),
                "signing_address": address_of(key),
                "token": NATIVE_TOKEN,
                "rates": [str(RATE), "0", "0", "0", "0", "0"],
            },
            headers=admin_headers(),
        )
        assert response.status_code == 201, response.text
        body = response.json()
        return LivePlatform(body["platform"]["platform_id"], key, body["api_key"])

    def add_track(self, controller_key: str, isrc: str | None = None) -> int:
        owner = address_of(controller_key)
        extra: dict[str, object] = {"tier": 1, "ai_consent_mask": 0}
        if isrc:
            extra["isrc"] = isrc
        response = self.http.post(
            "/v1/tracks",
            json=track_body(owner, [(owner, 1_000_000)], **extra),
            headers=admin_headers(),
        )
        assert response.status_code == 201, response.text
        track_id = int(response.json()["track_id"])
        self.tracks.append(track_id)
        return track_id

    def report(
        self,
        platform: LivePlatform,
        report_id: str,
        lines: list[dict[str, object]],
        period: tuple[int, int] = (1_700_000_000, 1_700_086_400),
    ) -> dict[str, object]:
        return signed_json_report(
            platform.key,
            report_id=report_id,
            platform_id=platform.platform_id,
            chain_id=self.settings.chain_id,
            settlement=self.settlement,
            lines=lines,
            period=period,
        )

    def submit(self, platform: LivePlatform, body: object, **kwargs: Any) -> httpx.Response:
        return self.http.post(
            f"/v1/platforms/{platform.platform_id}/reports",
            json=body,
            headers=bearer(platform.api_key),
            **kwargs,
        )

    def deposit(self, w3: Any, platform: LivePlatform, amount: int = 10**18) -> None:
        """Funds the platform's escrow from its payer (the platform key)."""
        settlement = self.gateway.contract("UsageSettlement")
        payer = address_of(platform.key)
        tx = settlement.functions.deposit(platform.platform_id, amount).build_transaction(
            {"from": payer, "value": amount}
        )
        w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))

    def run_epoch(self) -> Any:
        """One epoch run by oracle node key 1 (the deployment's only signer) on the API's store."""
        return run_epoch(self.settings, self.settlement, self.keys[1])

    def counted(self) -> tuple[int, int, int, int]:
        """(accepted or superseded versions, usage rows, their micro-units, quarantine rows)."""
        with self.engine.connect() as conn:
            decided = conn.execute(
                select(func.count())
                .select_from(reports)
                .where(reports.c.status.in_(("accepted", "superseded")))
            ).scalar_one()
            rows = conn.execute(select(func.count()).select_from(usage)).scalar_one()
            micro = conn.execute(select(usage.c.micro_units)).scalars().all()
            held = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
        return int(decided), int(rows), sum(int(m) for m in micro), int(held)


@contextmanager
def running_api(
    database_url: str,
    tmp: Path,
    dev_chain: Any,
    w3: Any,
    dev_keys: list[str],
    deploy_fresh: Callable[..., Any],
    sender_for: Callable[..., Any],
    **overrides: object,
) -> Iterator[LiveApi]:
    deployment = deploy_fresh(oracle_signers=[address_of(dev_keys[1])], threshold=1)
    settings = make_settings(
        tmp,
        database_url=database_url,
        chain_id=dev_chain.chain_id,
        rpc_url=dev_chain.rpc_url,
        operator_key=dev_keys[0],
        minter_key=dev_keys[5],
        relayer_key=dev_keys[19],
        **overrides,
    )
    gateway = ChainGateway(settings, w3=w3, deployment=deployment, sender_factory=sender_for)
    engine = make_engine(database_url)
    app = create_app(settings, engine=engine, chain=gateway)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the API server did not start"
        assert time.monotonic() < deadline, "the API server did not start within 60 s"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=base_url, timeout=120) as http:
        try:
            yield LiveApi(base_url, engine, gateway, settings, dev_keys, http)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            engine.dispose()


@contextmanager
def live_for(
    request: Any,
    tmp_path_factory: Any,
    chain: tuple[Any, Any, list[str], Callable[..., Any], Callable[..., Any]],
    **overrides: object,
) -> Iterator[LiveApi]:
    """The running API of a module fixture parametrized by database kind (skips PostgreSQL when
    ROYALTIES_TEST_POSTGRES_URL is not set)."""
    import pytest

    kind = request.param
    if kind == "postgresql" and not os.environ.get(POSTGRES_URL_ENV):
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    tmp = tmp_path_factory.mktemp(f"live-{kind}")
    with fresh_database(kind, tmp) as url, running_api(url, tmp, *chain, **overrides) as api:
        yield api
