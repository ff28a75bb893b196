"""Journey 2, in real processes: a collector buys an edition by sending the transaction the API
returns; the proceeds land in the track's split; each contributor claims from their own wallet
with `cast send` (Foundry's client, not ours). Balances are checked to the base unit, gas
included."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest
from journey_helpers import admin, bearer, ok, send, share_of, sign_in
from live_system import PROJECT_ROOT, LiveSystem

from chain_client.compiler import compile_contracts
from chain_client.constants import NATIVE_TOKEN

pytestmark = pytest.mark.slow

COLLECTOR, FIRST, SECOND = 12, 13, 14
SHARE_FIRST, SHARE_SECOND = 250_001, 749_999
PRICE = 12_345_678_901_234_567  # wei
QUANTITY, MAX_SUPPLY = 3, 10
# Foundry's own cast binary (from npm) through the project's wrapper: npm's node shim in
# node_modules/.bin drops the exit status, so a failed send would look like a success.
CAST = PROJECT_ROOT / "tools/bin/cast"


def _cast_send(system: LiveSystem, key: str, to: str, data: str) -> dict[str, object]:
    result = subprocess.run(
        [
            str(CAST),
            "send",
            "--json",
            "--rpc-url",
            system.rpc_url,
            "--private-key",
            key,
            "--data",
            data,
            to,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    receipt: dict[str, object] = json.loads(result.stdout)
    assert int(str(receipt["status"]), 16) == 1, receipt
    return receipt


def test_collector_buys_and_contributors_claim_with_cast(
    system: LiveSystem, client: httpx.Client
) -> None:
    w3, keys = system.w3, system.keys
    operator = system.address(0)
    track = ok(
        client.post(
            "/v1/tracks",
            json={
                "controller": operator,  # a label's track: the operator acts as its controller
                "title": "Copper Lanterns",
                "ai_disclosure": "human",
                "content_hash": "0x" + "c0" * 32,
                "tier": 2,
                "contributors": [
                    {"address": system.address(FIRST), "share": SHARE_FIRST, "role": "artist"},
                    {"address": system.address(SECOND), "share": SHARE_SECOND, "role": "producer"},
                ],
            },
            headers=admin(),
        ),
        201,
    )
    split = track["split_address"]
    created = ok(
        client.post(
            "/v1/editions",
            json={
                "track_id": track["track_id"],
                "token": NATIVE_TOKEN,
                "price": str(PRICE),
                "max_supply": MAX_SUPPLY,
                "sale_start": 0,
                "royalty_bps": 750,
            },
            headers=admin(),
        )
    )
    edition_id = created["edition"]["edition_id"]
    listed = ok(client.get("/v1/editions", params={"track_id": track["track_id"]}))["items"]
    assert [(e["edition_id"], e["price"], e["supply_left"]) for e in listed] == [
        (edition_id, str(PRICE), MAX_SUPPLY)
    ]

    collector = system.address(COLLECTOR)
    purchase = ok(
        client.post(
            f"/v1/editions/{edition_id}/purchase-transactions",
            json={"buyer": collector, "quantity": QUANTITY},
        )
    )
    assert purchase["amount"] == str(PRICE * QUANTITY)
    for tx in purchase["transactions"]:
        assert tx["chain_id"] == system.chain_id
        send(w3, keys[COLLECTOR], tx["to"], tx["data"], int(tx["value"]))

    editions = w3.eth.contract(
        address=system.deployment.track_editions, abi=compile_contracts().abi("TrackEditions")
    )
    assert editions.functions.balanceOf(collector, edition_id).call() == QUANTITY
    assert w3.eth.get_balance(split) == PRICE * QUANTITY  # the split is credited
    assert ok(client.get(f"/v1/editions/{edition_id}"))["supply_left"] == MAX_SUPPLY - QUANTITY
    receiver, royalty = editions.functions.royaltyInfo(edition_id, 10**18).call()
    assert (receiver, royalty) == (split, 10**18 * 750 // 10_000)

    for index, share in ((FIRST, SHARE_FIRST), (SECOND, SHARE_SECOND)):
        address = system.address(index)
        session = sign_in(client, system, keys[index])
        expected = share_of(PRICE * QUANTITY, share)
        claimable = ok(client.get(f"/v1/contributors/{address}/claimable", headers=bearer(session)))
        assert claimable["per_token"] == {NATIVE_TOKEN: str(expected)}
        calldata = ok(
            client.post(
                f"/v1/contributors/{address}/claims/calldata", json={}, headers=bearer(session)
            )
        )
        (release,) = calldata["transactions"]  # no settlement leaf: the split's releaseMany only
        assert release["to"] == system.deployment.split_factory
        before = w3.eth.get_balance(address)
        receipt = _cast_send(system, keys[index], release["to"], release["data"])
        gas = int(str(receipt["gasUsed"]), 16) * int(str(receipt["effectiveGasPrice"]), 16)
        assert w3.eth.get_balance(address) == before + expected - gas
    # Flooring leaves at most one wei per recipient in the split.
    left = w3.eth.get_balance(split)
    assert left == PRICE * QUANTITY - share_of(PRICE * QUANTITY, SHARE_FIRST) - share_of(
        PRICE * QUANTITY, SHARE_SECOND
    )
    assert left <= 2
