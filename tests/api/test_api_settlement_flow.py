"""End to end on anvil with a committed database: onboard a platform, register a track and a
remix whose split lists the track's split, submit a signed report, settle an epoch with the
oracle, index it, read the proofs, the dashboard and the transparency report, and claim per
account (relayed, idempotent, rate-limited; by calldata; by the public proof alone)."""

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
from chain_client.merkle import account_leaf_types, process_proof, standard_leaf_hash
from oracle.epoch.wiring import build_runner
from oracle.settings import OracleSettings

RATE = 10**15 + 7  # wei per stream x 1e6 (odd, so the floors show)
STREAMS, REMIX_STREAMS = 1_000, 333
OWED = STREAMS * RATE // 10**12
REMIX_OWED = REMIX_STREAMS * RATE // 10**12
SCALE = 1_000_000
SHARE_A, SHARE_B = 600_001, 399_999
SHARE_UP = 500_000  # the remix's split pays the original's split half


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


def _leaf_root(proof: dict[str, Any]) -> str:
    value = [proof["account"], proof["token"], int(proof["cumulativeAmount"])]
    return "0x" + process_proof(standard_leaf_hash(account_leaf_types, value), proof["proof"]).hex()


def test_usage_to_claim(world: World) -> None:
    """A and B split the original; the remix's split pays C half and the original's split half,
    so A and B are paid from both tracks by one claim each: relayed (A), from their own wallet
    with the API's calldata (B), and with the public proof alone, sent by anyone (C)."""
    client, keys, w3 = world.client, world.keys, world.w3
    platform_key, artist_a, artist_b, artist_c = keys[6], keys[7], keys[8], keys[9]
    a, b, c = address_of(artist_a), address_of(artist_b), address_of(artist_c)

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
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(tx))

    original = client.post(
        "/v1/tracks",
        json=track_body(a, [(a, SHARE_A), (b, SHARE_B)], tier=1, ai_consent_mask=0),
        headers=admin_headers(),
    )
    assert original.status_code == 201, original.text
    track_id, split = original.json()["track_id"], original.json()["split_address"]
    remix = client.post(
        "/v1/tracks",
        json=track_body(c, [(c, SCALE - SHARE_UP), (split, SHARE_UP)], tier=1, ai_consent_mask=0),
        headers=admin_headers(),
    )
    assert remix.status_code == 201, remix.text
    remix_id = remix.json()["track_id"]

    now = int(w3.eth.get_block("latest")["timestamp"])
    report = signed_json_report(
        platform_key,
        report_id="week-47",
        platform_id=platform_id,
        chain_id=world.settings.chain_id,
        settlement=world.gateway.deployment.usage_settlement,
        lines=[
            {"track": track_id, "usage_class": 0, "units": STREAMS},
            {"track": remix_id, "usage_class": 0, "units": REMIX_STREAMS},
        ],
        period=(now, now + 1),
    )
    submitted = client.post(
        f"/v1/platforms/{platform_id}/reports", json=report, headers=bearer(api_key)
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["report"]["status"] == "accepted"
    balance = client.get(f"/v1/platforms/{platform_id}/balance", headers=bearer(api_key)).json()
    assert balance["owed"] == str(OWED + REMIX_OWED)

    outcome = _settle_epoch(world)
    assert outcome.status == "posted", outcome
    assert world.indexer.sync_to_head() > 0

    # What each account is credited: one floor per (track, account path).
    expected = {
        a: OWED * SHARE_A // SCALE + REMIX_OWED * SHARE_UP * SHARE_A // SCALE**2,
        b: OWED * SHARE_B // SCALE + REMIX_OWED * SHARE_UP * SHARE_B // SCALE**2,
        c: REMIX_OWED * (SCALE - SHARE_UP) // SCALE,
    }

    # The public proof endpoint: each leaf verifies against the chain's current root.
    for account, amount in expected.items():
        proof = client.get(f"/v1/settlement/proof/{account}", params={"token": NATIVE_TOKEN})
        assert proof.status_code == 200, proof.text
        assert proof.json()["cumulativeAmount"] == str(amount)
        assert proof.json()["epoch"] == outcome.epoch
        assert _leaf_root(proof.json()) == outcome.root
    missing = client.get(
        f"/v1/settlement/proof/{address_of(keys[3])}", params={"token": NATIVE_TOKEN}
    )
    assert missing.status_code == 404

    token_a = sign_in(client, artist_a)
    dashboard = client.get(f"/v1/contributors/{a}/dashboard", headers=bearer(token_a)).json()
    assert dashboard["settlement"] == [
        {"token": NATIVE_TOKEN, "cumulative_amount": str(expected[a]), "claimed": "0"}
    ]
    by_track = {t["track_id"]: t for t in dashboard["tracks"]}
    assert set(by_track) == {track_id, remix_id}
    direct, nested = by_track[track_id], by_track[remix_id]
    assert direct["usage"][0]["micro_units"] == str(STREAMS * 10**6)
    assert direct["earnings"][0]["accrued"] == str(OWED * SHARE_A // SCALE)
    assert direct["periods"][0]["epoch"] == outcome.epoch
    assert direct["periods"][0]["your_share"] == str(OWED * SHARE_A // SCALE)
    assert (nested["share"], nested["role"]) == (0, "via a nested split")
    assert nested["paths"] == [
        {
            "path": [remix.json()["split_address"], split],
            "product": str(SHARE_UP * SHARE_A),
            "depth": 2,
        }
    ]
    assert nested["earnings"][0]["accrued"] == str(REMIX_OWED * SHARE_UP * SHARE_A // SCALE**2)
    assert sum(int(t["earnings"][0]["accrued"]) for t in dashboard["tracks"]) == expected[a]
    claimable = client.get(f"/v1/contributors/{a}/claimable", headers=bearer(token_a)).json()
    assert claimable["per_token"] == {NATIVE_TOKEN: str(expected[a])}
    assert claimable["epoch"] == outcome.epoch
    assert claimable["splits"] == []  # nothing reached the splits directly

    # A: gasless, one relayed transaction for both tracks; idempotent and rate-limited.
    before = w3.eth.get_balance(a)
    headers = {**bearer(token_a), "Idempotency-Key": "claim-1"}
    claim = client.post(f"/v1/contributors/{a}/claims", json={}, headers=headers)
    assert claim.status_code == 200, claim.text
    assert claim.json()["status"] == "sent"
    assert claim.json()["tx_hashes"] == [claim.json()["tx_hash"]]
    assert w3.eth.get_balance(a) - before == expected[a]  # gasless, to the base unit
    replay = client.post(f"/v1/contributors/{a}/claims", json={}, headers=headers)
    assert replay.json() == claim.json()
    assert w3.eth.get_balance(a) - before == expected[a]
    conflict = client.post(
        f"/v1/contributors/{a}/claims", json={"token": NATIVE_TOKEN}, headers=headers
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

    # B: the wallet path is one transaction to sign, straight to the settlement contract.
    token_b = sign_in(client, artist_b)
    calldata = client.post(
        f"/v1/contributors/{b}/claims/calldata", json={}, headers=bearer(token_b)
    ).json()
    (prepared,) = calldata["transactions"]
    assert prepared["to"] == world.gateway.deployment.usage_settlement
    own = Account.from_key(artist_b)
    before_b = w3.eth.get_balance(b)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction(
            {"from": own.address, "to": prepared["to"], "data": prepared["data"], "value": 0}
        )
    )
    assert receipt["status"] == 1
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(b) - before_b + fee == expected[b]

    # C: nothing but the public proof and `claim`, sent by a stranger: C is paid all the same.
    leaf = client.get(f"/v1/settlement/proof/{c}", params={"token": NATIVE_TOKEN}).json()
    before_c = w3.eth.get_balance(c)
    stranger = address_of(keys[3])
    w3.eth.wait_for_transaction_receipt(
        settlement.functions.claim(
            leaf["account"], leaf["token"], int(leaf["cumulativeAmount"]), leaf["proof"]
        ).transact({"from": stranger})
    )
    assert w3.eth.get_balance(c) - before_c == expected[c]
    assert settlement.functions.claimed(c, NATIVE_TOKEN).call() == expected[c]
    dust = OWED + REMIX_OWED - settlement.functions.totalClaimed(NATIVE_TOKEN).call()
    assert 0 <= dust < 4  # below one base unit per terminal path (2 + 2 paths)

    world.indexer.sync_to_head()
    dashboard_b = client.get(f"/v1/contributors/{b}/dashboard", headers=bearer(token_b)).json()
    assert dashboard_b["settlement"][0]["claimed"] == str(expected[b])

    # The transparency report traces A's amount to both tracks, the report, the root and the tx.
    report_a = client.get(f"/v1/reports/contributors/{a}", headers=bearer(token_a)).json()
    credits = {cr["track_id"]: cr for cr in report_a["credits"]}
    assert set(credits) == {track_id, remix_id}
    for credit in credits.values():
        assert credit["root"] == outcome.root
        assert credit["post_tx_hash"] == outcome.tx_hash
        assert credit["usage"][0]["source_reports"][0]["report_id"] == "week-47"
    assert credits[remix_id]["your_amount"] == str(REMIX_OWED * SHARE_UP * SHARE_A // SCALE**2)
    assert report_a["totals_per_token"] == {NATIVE_TOKEN: str(expected[a])}
    (leaf_a,) = report_a["epochs"][0]["leaves"]
    assert leaf_a["cumulative_amount"] == str(expected[a])
    assert _leaf_root({**leaf_a, "cumulativeAmount": leaf_a["cumulative_amount"]}) == outcome.root
    assert bytes(HexBytes(outcome.root)) == bytes(settlement.functions.currentRoot().call()[0])
    assert [(p["event"], p["amount"]) for p in report_a["payments"]] == [
        ("Claimed", str(expected[a]))
    ]
    csv_text = client.get(f"/v1/reports/contributors/{a}/csv", headers=bearer(token_a)).text
    assert "week-47" in csv_text
    assert outcome.root in csv_text
    html = client.get(f"/v1/reports/contributors/{a}/html", headers=bearer(token_a))
    assert html.status_code == 200
    assert outcome.root in html.text
    foreign = client.get(f"/v1/reports/contributors/{a}", headers=bearer(token_b))
    assert foreign.status_code == 403
