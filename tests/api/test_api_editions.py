"""Editions: created on chain by the controller, listed publicly, bought with the exact
transactions the API prepares, and minted once per off-chain order."""

from __future__ import annotations

from typing import Any

from api_helpers import DEV_KEYS, address_of, admin_headers, bearer, sign_in, track_body
from eth_account import Account
from fastapi.testclient import TestClient
from web3 import Web3

from api.chain.gateway import ChainGateway
from chain_client.constants import NATIVE_TOKEN

COLLECTOR_INDEX = 12


def _operator_track(client: TestClient, gateway: ChainGateway) -> dict[str, Any]:
    artist = address_of(DEV_KEYS[0])
    body = track_body(gateway.operator_address, [(artist, 1_000_000)])
    response = client.post("/v1/tracks", json=body, headers=admin_headers())
    assert response.status_code == 201, response.text
    return dict(response.json())


def _edition(client: TestClient, track_id: int, token: str, price: int) -> dict[str, Any]:
    response = client.post(
        "/v1/editions",
        json={
            "track_id": track_id,
            "token": token,
            "price": str(price),
            "max_supply": 10,
            "sale_start": 0,
            "per_wallet_cap": 3,
        },
        headers=admin_headers(),
    )
    assert response.status_code == 200, response.text
    assert response.json()["tx_hash"]
    return dict(response.json()["edition"])


def _send_all(w3: Web3, sender: str, transactions: list[dict[str, Any]]) -> None:
    for tx in transactions:
        receipt = w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction(
                {"from": sender, "to": tx["to"], "data": tx["data"], "value": int(tx["value"])}
            )
        )
        assert receipt["status"] == 1


def test_eth_edition_purchase_pays_the_split(
    chain_client: TestClient, gateway: ChainGateway, w3: Web3, dev_keys: list[str]
) -> None:
    track = _operator_track(chain_client, gateway)
    edition = _edition(chain_client, track["track_id"], NATIVE_TOKEN, 10**15)
    assert edition["supply_left"] == 10
    listed = chain_client.get(f"/v1/editions?track_id={track['track_id']}").json()
    assert [e["edition_id"] for e in listed["items"]] == [edition["edition_id"]]

    collector = Account.from_key(dev_keys[COLLECTOR_INDEX]).address
    prepared = chain_client.post(
        f"/v1/editions/{edition['edition_id']}/purchase-transactions",
        json={"buyer": collector, "quantity": 2},
    ).json()
    assert prepared["amount"] == str(2 * 10**15)
    (purchase,) = prepared["transactions"]
    assert purchase["value"] == str(2 * 10**15)
    split_before = w3.eth.get_balance(track["split_address"])
    _send_all(w3, collector, prepared["transactions"])
    assert w3.eth.get_balance(track["split_address"]) - split_before == 2 * 10**15
    assert chain_client.get(f"/v1/editions/{edition['edition_id']}").json()["supply_left"] == 8


def test_erc20_edition_needs_an_approve_first(
    chain_client: TestClient, gateway: ChainGateway, w3: Web3, dev_keys: list[str]
) -> None:
    stable = gateway.deployment.mock_stablecoin
    track = _operator_track(chain_client, gateway)
    edition = _edition(chain_client, track["track_id"], stable, 5_000_000)
    collector = Account.from_key(dev_keys[COLLECTOR_INDEX]).address
    token = gateway.contract("ERC20", stable)
    w3.eth.wait_for_transaction_receipt(
        token.functions.mint(collector, 10**9).transact({"from": collector})
    )
    prepared = chain_client.post(
        f"/v1/editions/{edition['edition_id']}/purchase-transactions",
        json={"buyer": collector, "quantity": 1},
    ).json()
    approve, purchase = prepared["transactions"]
    assert approve["to"] == stable
    assert purchase["to"] == gateway.deployment.track_editions
    _send_all(w3, collector, prepared["transactions"])
    assert token.functions.balanceOf(track["split_address"]).call() == 5_000_000


def test_operator_mint_is_idempotent_by_order_id(
    chain_client: TestClient, gateway: ChainGateway, dev_keys: list[str]
) -> None:
    track = _operator_track(chain_client, gateway)
    edition = _edition(chain_client, track["track_id"], NATIVE_TOKEN, 1)
    collector = Account.from_key(dev_keys[COLLECTOR_INDEX]).address
    order = {"order_id": f"shop-{edition['edition_id']}", "to": collector, "quantity": 2}
    path = f"/v1/editions/{edition['edition_id']}/mints"
    first = chain_client.post(path, json=order, headers=admin_headers())
    again = chain_client.post(path, json=order, headers=admin_headers())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["tx_hash"] == again.json()["tx_hash"]
    assert chain_client.get(f"/v1/editions/{edition['edition_id']}").json()["supply_left"] == 8
    changed = chain_client.post(path, json={**order, "quantity": 3}, headers=admin_headers())
    assert changed.status_code == 409


def test_a_wallet_controller_gets_the_transaction_to_sign(
    chain_client: TestClient, gateway: ChainGateway
) -> None:
    artist = address_of(DEV_KEYS[0])
    track = chain_client.post(
        "/v1/tracks", json=track_body(artist, [(artist, 1_000_000)]), headers=admin_headers()
    ).json()
    token = sign_in(chain_client, DEV_KEYS[0])
    response = chain_client.post(
        "/v1/editions",
        json={
            "track_id": track["track_id"],
            "token": NATIVE_TOKEN,
            "price": "1",
            "max_supply": 1,
            "sale_start": 0,
        },
        headers=bearer(token),
    )
    assert response.status_code == 200, response.text
    assert response.json()["tx_hash"] is None
    assert response.json()["transaction"]["to"] == gateway.deployment.track_editions


def test_edition_reverts_are_4xx_naming_the_contract_error(
    chain_client: TestClient, gateway: ChainGateway
) -> None:
    track = _operator_track(chain_client, gateway)
    response = chain_client.post(
        "/v1/editions",
        json={
            "track_id": track["track_id"],
            "token": "0x" + "00" * 20,
            "price": "1",
            "max_supply": 1,
            "sale_start": 0,
        },
        headers=admin_headers(),
    )
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "chain_revert"
    assert body["details"]["error"] == "InvalidToken"
    assert "InvalidToken" in body["message"]
