"""End to end on anvil with a committed database: onboard a platform, register a track, submit
a signed report, settle an epoch with the oracle, index it, read the dashboard and the
transparency report, and claim (relayed, idempotent, rate-limited) and by calldata."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from api_helpers import (
    address_of,
    admin_headers,
    bearer,
    sign_in,
    signed_json_report,
    track_body,
)
from conftest import make_settings
from eth_account import Account
from fastapi.testclient import TestClient
from hexbytes import HexBytes
from web3 import Web3

from api.app import create_app
from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.indexer.runner import Indexer
from chain_client.constants import NATIVE_TOKEN
from chain_client.merkle import process_proof, settlement_leaf_types, standard_leaf_hash
from oracle.epoch.wiring import build_runner
from oracle.settings import OracleSettings

RATE = 10**15  # wei per stream x 1e6: 1,000 streams = 10**12 wei
STREAMS = 1_000
OWED = STREAMS * RATE // 10**6
SHARE_A, SHARE_B = 600_000, 400_000


@dataclass
class World:
    client: TestClient
    gateway: ChainGateway
    w3: Web3
    keys: list[str]
    settings: Any
    indexer: Indexer
    engine: Any


@pytest.fixture
def world(
    tmp_path: Path,
    dev_chain: Any,
    w3: Web3,
    dev_keys: list[str],
    deploy_fresh: Callable[..., Any],
    sender_for: Callable[..., Any],
) -> Iterator[World]:
    deployment = deploy_fresh(oracle_signers=[address_of(dev_keys[1])], threshold=1)
    database_url = f"sqlite:///{tmp_path / 'flow.db'}"
    settings = make_settings(
        tmp_path,
        database_url=database_url,
        chain_id=dev_chain.chain_id,
        rpc_url=dev_chain.rpc_url,
        operator_key=dev_keys[0],
        minter_key=dev_keys[5],
        relayer_key=dev_keys[19],
        claim_rate_limit=2,
    )
    gateway = ChainGateway(settings, w3=w3, deployment=deployment, sender_factory=sender_for)
    engine = make_engine(database_url)
    app = create_app(settings, engine=engine, chain=gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield World(client, gateway, w3, dev_keys, settings, Indexer(engine, gateway), engine)
    engine.dispose()


def _settle_epoch(world: World) -> Any:
    oracle = OracleSettings(
        database_url=world.settings.database_url,
        data_dir=world.settings.data_dir,
        rpc_url=world.settings.rpc_url,
        chain_id=world.settings.chain_id,
        settlement_address=world.gateway.deployment.usage_settlement,
        node_key=world.keys[1],
        confirmations=0,
    )
    setup = build_runner(oracle)
    try:
        return setup.runner.run_once()
    finally:
        setup.close()


def test_usage_to_claim(world: World) -> None:
    client, keys = world.client, world.keys
    platform_key, artist_a, artist_b = keys[6], keys[7], keys[8]
    a, b = address_of(artist_a), address_of(artist_b)

    onboarded = client.post(
        "/v1/platforms",
        json={
            "name": "StreamCo",
            "payer": address_of(platform_key),
            "signing_address": address_of(platform_key),
            "token": NATIVE_TOKEN,
            "rates": [str(RATE), "0", "0", "0", "0", "0"],
            "declared_max_units_per_report": 1_000_000,
        },
        headers=admin_headers(),
    )
    assert onboarded.status_code == 201, onboarded.text
    platform_id = onboarded.json()["platform"]["platform_id"]
    api_key = onboarded.json()["api_key"]
    settlement = world.gateway.contract("UsageSettlement")
    payer = Account.from_key(platform_key)
    tx = settlement.functions.deposit(platform_id, 10**18).build_transaction(
        {"from": payer.address, "value": 10**18}
    )
    world.w3.eth.wait_for_transaction_receipt(world.w3.eth.send_transaction(tx))

    track = client.post(
        "/v1/tracks",
        json=track_body(a, [(a, SHARE_A), (b, SHARE_B)], tier=1, ai_consent_mask=0),
        headers=admin_headers(),
    )
    assert track.status_code == 201, track.text
    track_id = track.json()["track_id"]

    now = int(world.w3.eth.get_block("latest")["timestamp"])
    report = signed_json_report(
        platform_key,
        report_id="week-47",
        platform_id=platform_id,
        chain_id=world.settings.chain_id,
        settlement=world.gateway.deployment.usage_settlement,
        lines=[{"track": track_id, "usage_class": 0, "units": STREAMS}],
        period=(now, now + 1),
    )
    submitted = client.post(
        f"/v1/platforms/{platform_id}/reports", json=report, headers=bearer(api_key)
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["report"]["status"] == "accepted"
    again = client.post(f"/v1/platforms/{platform_id}/reports", json=report)  # signed, no key
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    status = client.get(f"/v1/platforms/{platform_id}/reports/week-47", headers=bearer(api_key))
    assert status.json()["versions"][0]["payable_micro_units"] == str(STREAMS * 10**6)

    balance = client.get(f"/v1/platforms/{platform_id}/balance", headers=bearer(api_key)).json()
    assert balance["owed"] == str(OWED)
    assert balance["escrow"] == str(10**18)

    outcome = _settle_epoch(world)
    assert outcome.status == "posted", outcome
    assert world.indexer.sync_to_head() > 0
    balance = client.get(f"/v1/platforms/{platform_id}/balance", headers=bearer(api_key)).json()
    assert (balance["owed"], balance["escrow"]) == ("0", str(10**18 - OWED))

    token_a = sign_in(client, artist_a)
    dashboard = client.get(f"/v1/contributors/{a}/dashboard", headers=bearer(token_a)).json()
    (line,) = dashboard["tracks"]
    assert line["usage"][0]["micro_units"] == str(STREAMS * 10**6)
    assert line["earnings"][0]["accrued"] == str(OWED * SHARE_A // 10**6)
    assert line["periods"][0]["epoch"] == 1
    assert line["periods"][0]["your_share"] == str(OWED * SHARE_A // 10**6)
    claimable = client.get(f"/v1/contributors/{a}/claimable", headers=bearer(token_a)).json()
    assert claimable["per_token"] == {NATIVE_TOKEN: str(OWED * SHARE_A // 10**6)}

    before = world.w3.eth.get_balance(a)
    headers = {**bearer(token_a), "Idempotency-Key": "claim-1"}
    claim = client.post(f"/v1/contributors/{a}/claims", json={}, headers=headers)
    assert claim.status_code == 200, claim.text
    assert claim.json()["status"] == "sent"
    assert len(claim.json()["pull_tx_hashes"]) == 1
    assert world.w3.eth.get_balance(a) - before == OWED * SHARE_A // 10**6  # gasless
    replay = client.post(f"/v1/contributors/{a}/claims", json={}, headers=headers)
    assert replay.json() == claim.json()
    assert world.w3.eth.get_balance(a) - before == OWED * SHARE_A // 10**6
    conflict = client.post(
        f"/v1/contributors/{a}/claims", json={"track_ids": [track_id]}, headers=headers
    )
    assert conflict.status_code == 409
    nothing = client.post(
        f"/v1/contributors/{a}/claims", json={}, headers={**bearer(token_a), "Idempotency-Key": "2"}
    )
    assert nothing.json()["status"] == "nothing_to_claim"
    limited = client.post(
        f"/v1/contributors/{a}/claims", json={}, headers={**bearer(token_a), "Idempotency-Key": "3"}
    )
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"

    token_b = sign_in(client, artist_b)
    cached = client.get(f"/v1/contributors/{b}/dashboard", headers=bearer(token_b)).json()
    assert cached["tracks"][0]["earnings"][0]["released_to_you"] == "0"
    calldata = client.post(
        f"/v1/contributors/{b}/claims/calldata", json={}, headers=bearer(token_b)
    ).json()
    (release,) = calldata["transactions"]  # already pulled by A's claim: only releaseMany
    assert release["to"] == world.gateway.deployment.split_factory
    own = Account.from_key(artist_b)
    receipt = world.w3.eth.wait_for_transaction_receipt(
        world.w3.eth.send_transaction(
            {"from": own.address, "to": release["to"], "data": release["data"], "value": 0}
        )
    )
    assert receipt["status"] == 1
    world.indexer.sync_to_head()
    dashboard_b = client.get(f"/v1/contributors/{b}/dashboard", headers=bearer(token_b)).json()
    assert dashboard_b["tracks"][0]["earnings"][0]["released_to_you"] == str(
        OWED * SHARE_B // 10**6
    )

    report_a = client.get(f"/v1/reports/contributors/{a}", headers=bearer(token_a)).json()
    (tline,) = report_a["lines"]
    assert tline["source_reports"][0]["report_id"] == "week-47"
    assert tline["root"] == outcome.root
    assert tline["post_tx_hash"] == outcome.tx_hash
    (leaf,) = report_a["epochs"][0]["leaves"]
    value = [
        leaf["split"],
        leaf["token"],
        int(leaf["cumulative_amount"]),
        [int(u) for u in leaf["cumulative_units"]],
    ]
    computed = process_proof(standard_leaf_hash(settlement_leaf_types, value), leaf["proof"])
    assert "0x" + computed.hex() == outcome.root
    assert bytes(HexBytes(outcome.root)) == bytes(settlement.functions.currentRoot().call()[0])
    assert {p["event"] for p in report_a["payments"]} == {"Pulled", "Released"}
    csv_text = client.get(f"/v1/reports/contributors/{a}/csv", headers=bearer(token_a)).text
    assert "week-47" in csv_text
    assert outcome.root in csv_text
    html = client.get(f"/v1/reports/contributors/{a}/html", headers=bearer(token_a))
    assert html.status_code == 200
    assert outcome.root in html.text
    foreign = client.get(f"/v1/reports/contributors/{a}", headers=bearer(token_b))
    assert foreign.status_code == 403
