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
    run_epoch,
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
from api.contributors.earnings import AccountPath, credited, cumulative_by_epoch
from api.contributors.repository import EpochMovement
from api.db.engine import make_engine
from api.indexer.runner import Indexer
from chain_client.constants import NATIVE_TOKEN
from chain_client.merkle import process_proof, standard_leaf_hash

ACCOUNT_LEAF = ("address", "address", "uint256")  # (account, token, cumulativeAmount)
RATE = 10**15 + 7  # wei per stream x 1e6 (odd, so the floors show)
STREAMS, REMIX_STREAMS = 1_000, 333
OWED = STREAMS * 10**6 * RATE // 10**12  # micro-units x rate / 1e12
REMIX_OWED = REMIX_STREAMS * 10**6 * RATE // 10**12
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
    return run_epoch(world.settings, world.gateway.deployment.usage_settlement, world.keys[1])


def _onboard(world: World, platform_key: str) -> tuple[int, str]:
    """A platform paying in ETH with 1 ETH of escrow: (platform id, API key)."""
    onboarded = world.client.post(
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
    settlement = world.gateway.contract("UsageSettlement")
    tx = settlement.functions.deposit(platform_id, 10**18).build_transaction(
        {"from": address_of(platform_key), "value": 10**18}
    )
    world.w3.eth.wait_for_transaction_receipt(world.w3.eth.send_transaction(tx))
    return int(platform_id), str(onboarded.json()["api_key"])


def _report(
    world: World, key: str, platform_id: int, api_key: str, lines: list[dict[str, object]]
) -> None:
    now = int(world.w3.eth.get_block("latest")["timestamp"])
    report = signed_json_report(
        key,
        report_id="week-47",
        platform_id=platform_id,
        chain_id=world.settings.chain_id,
        settlement=world.gateway.deployment.usage_settlement,
        lines=lines,
        period=(now, now + 1),
    )
    submitted = world.client.post(
        f"/v1/platforms/{platform_id}/reports", json=report, headers=bearer(api_key)
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["report"]["status"] == "accepted"


def _track(world: World, contributors: list[tuple[str, int]]) -> dict[str, Any]:
    created = world.client.post(
        "/v1/tracks",
        json=track_body(contributors[0][0], contributors, tier=1, ai_consent_mask=0),
        headers=admin_headers(),
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _leaf_root(proof: dict[str, Any]) -> str:
    value = [proof["account"], proof["token"], int(proof["cumulativeAmount"])]
    return "0x" + process_proof(standard_leaf_hash(ACCOUNT_LEAF, value), proof["proof"]).hex()


def test_usage_to_claim(world: World) -> None:
    """A and B split the original; the remix's split pays C half and the original's split half,
    so A and B are paid from both tracks by one claim each: relayed (A), from their own wallet
    with the API's calldata (B), and with the public proof alone, sent by anyone (C)."""
    client, keys, w3 = world.client, world.keys, world.w3
    platform_key, artist_a, artist_b, artist_c = keys[6], keys[7], keys[8], keys[9]
    a, b, c = address_of(artist_a), address_of(artist_b), address_of(artist_c)

    platform_id, api_key = _onboard(world, platform_key)
    settlement = world.gateway.contract("UsageSettlement")

    original = _track(world, [(a, SHARE_A), (b, SHARE_B)])
    track_id, split = original["track_id"], original["split_address"]
    remix = _track(world, [(c, SCALE - SHARE_UP), (split, SHARE_UP)])
    remix_id = remix["track_id"]

    _report(
        world,
        platform_key,
        platform_id,
        api_key,
        [
            {"track": track_id, "usage_class": 0, "units": STREAMS},
            {"track": remix_id, "usage_class": 0, "units": REMIX_STREAMS},
        ],
    )
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
            "path": [remix["split_address"], split],
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


def test_credit_is_one_floor_per_path_of_the_cumulative_amount() -> None:
    """The dashboard's and the report's rule: per epoch, the track's cumulative amount per token
    (summed over platforms and classes in that token), then one floor per account path, so an
    epoch adds floor(after) - floor(before), never the floor of the increment."""
    tokens = {1: "0xA", 2: "0xB"}
    moves = [  # cumulative (platform, class) totals after each epoch that moved them
        EpochMovement(1, "0x01", None, 7, 1, 0, 10, 5),
        EpochMovement(1, "0x01", None, 7, 1, 4, 3, 2),
        EpochMovement(1, "0x01", None, 7, 2, 0, 4, 9),
        EpochMovement(2, "0x02", None, 7, 1, 0, 12, 6),
        EpochMovement(3, "0x03", None, 7, 2, 0, 8, 20),
    ]
    series = cumulative_by_epoch(moves, tokens)
    assert series == {(7, "0xA"): [(1, 13, 7), (2, 15, 8)], (7, "0xB"): [(1, 4, 9), (3, 8, 20)]}
    paths = [AccountPath(("0xS",), 333_333, 1), AccountPath(("0xR", "0xS"), 500_000 * 333_333, 2)]
    assert credited(7, paths) == 7 * 333_333 // SCALE + 7 * 500_000 * 333_333 // SCALE**2
    assert credited(8, paths) - credited(7, paths) == 0  # floor(8/3) + floor(8/6) = 2 + 1 = 3
    assert credited(20, paths) == 6 + 3


def test_a_split_past_the_depth_limit_is_an_account_claimed_into_it_then_released(
    world: World,
) -> None:
    """Five nested splits: the track's split is depth 1, so the fifth (the first track's split,
    holding A alone) is met at depth 5 and is itself the account. A's claim claims that split's
    leaf into it and releases A's share from it; C, on the four inner paths, is paid directly."""
    client, keys, w3 = world.client, world.keys, world.w3
    platform_key, a, c = keys[6], address_of(keys[7]), address_of(keys[9])
    platform_id, api_key = _onboard(world, platform_key)
    inner = _track(world, [(a, SCALE)])
    split = inner["split_address"]
    outer = inner
    for _ in range(4):
        outer = _track(world, [(c, SHARE_UP), (outer["split_address"], SCALE - SHARE_UP)])
    _report(
        world,
        platform_key,
        platform_id,
        api_key,
        [{"track": outer["track_id"], "usage_class": 0, "units": REMIX_STREAMS}],
    )
    assert _settle_epoch(world).status == "posted"
    world.indexer.sync_to_head()
    split_credit = REMIX_OWED * SHARE_UP**4 // SCALE**4  # the split's own leaf (depth 4 path)
    c_credit = sum(REMIX_OWED * SHARE_UP**d // SCALE**d for d in range(1, 5))
    leaf = client.get(f"/v1/settlement/proof/{split}", params={"token": NATIVE_TOKEN}).json()
    assert leaf["cumulativeAmount"] == str(split_credit)

    token_a = sign_in(client, keys[7])
    claimable = client.get(f"/v1/contributors/{a}/claimable", headers=bearer(token_a)).json()
    assert claimable["settlement"] == []  # A has no leaf of its own
    assert claimable["splits"] == [
        {
            "track_id": inner["track_id"],
            "split_address": split,
            "token": NATIVE_TOKEN,
            "in_split": "0",
            "split_leaf_unclaimed": str(split_credit),
            "total": str(split_credit),
        }
    ]
    before = w3.eth.get_balance(a)
    claim = client.post(
        f"/v1/contributors/{a}/claims", json={}, headers={**bearer(token_a), "Idempotency-Key": "d"}
    ).json()
    assert claim["status"] == "sent"
    assert len(claim["tx_hashes"]) == 2  # the split's leaf into the split, then releaseMany
    assert w3.eth.get_balance(a) - before == split_credit
    assert w3.eth.get_balance(split) == 0

    token_c = sign_in(client, keys[9])
    before_c = w3.eth.get_balance(c)
    paid_c = client.post(
        f"/v1/contributors/{c}/claims", json={}, headers={**bearer(token_c), "Idempotency-Key": "c"}
    ).json()
    assert paid_c["tx_hashes"] == [paid_c["tx_hash"]]
    assert w3.eth.get_balance(c) - before_c == c_credit


def test_a_period_dated_by_a_chain_clock_ahead_of_the_wall_clock_is_accepted(world: World) -> None:
    """Governance on a development chain travels its clock forward (the delay is not waited), and
    consent starts are chain timestamps: a report dated by the chain's own clock is not 'in the
    future'. A period past both clocks still is."""
    platform_key = world.keys[6]
    platform_id, api_key = _onboard(world, platform_key)
    head = int(world.w3.eth.get_block("latest")["timestamp"])
    three_days = 3 * 24 * 3600
    world.w3.provider.make_request("evm_setNextBlockTimestamp", [head + three_days])  # type: ignore[arg-type]
    world.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    track = _track(world, [(address_of(world.keys[7]), SCALE)])
    _report(
        world,
        platform_key,
        platform_id,
        api_key,
        [{"track": track["track_id"], "usage_class": 0, "units": 5}],
    )

    far = int(world.w3.eth.get_block("latest")["timestamp"]) + three_days
    report = signed_json_report(
        platform_key,
        report_id="week-48",
        platform_id=platform_id,
        chain_id=world.settings.chain_id,
        settlement=world.gateway.deployment.usage_settlement,
        lines=[{"track": track["track_id"], "usage_class": 0, "units": 5}],
        period=(far, far + 1),
    )
    refused = world.client.post(
        f"/v1/platforms/{platform_id}/reports", json=report, headers=bearer(api_key)
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["issues"][0]["field"] == "period_end"
