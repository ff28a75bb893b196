"""Tracks: registration deploys the split on chain and fills the oracle catalog."""

from __future__ import annotations

from typing import Any

from api_helpers import DEV_KEYS, address_of, admin_headers, bearer, sign_in, track_body
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.chain.gateway import ChainGateway
from chain_client.merkle import recipients_root
from oracle.catalog import get_tracks

ARTIST = address_of(DEV_KEYS[0])
PRODUCER = address_of(DEV_KEYS[1])
STRANGER_KEY = DEV_KEYS[2]


def test_operator_registers_a_track_on_chain(
    chain_client: TestClient, gateway: ChainGateway, db_session: Session
) -> None:
    body = track_body(ARTIST, [(ARTIST, 700_000), (PRODUCER, 300_000)], isrc="US-S1Z-26-00001")
    response = chain_client.post("/v1/tracks", json=body, headers=admin_headers())
    assert response.status_code == 201, response.text
    track = response.json()
    registry = gateway.contract("TrackRegistry")
    info = registry.functions.track(track["track_id"]).call()
    assert info[0] == track["split_address"]
    assert info[1] == ARTIST
    assert info[2] == 5
    assert "0x" + info[3].hex() == track["metadata_hash"]
    split = gateway.contract("TrackSplit", track["split_address"])
    ordered = sorted([(ARTIST, 700_000), (PRODUCER, 300_000)], key=lambda p: int(p[0], 16))
    expected_root = recipients_root([a for a, _ in ordered], [s for _, s in ordered])
    assert bytes(split.functions.recipientsRoot().call()) == bytes(expected_root)
    catalog = get_tracks(db_session.connection(), [track["track_id"]])[track["track_id"]]
    assert catalog.split_address == track["split_address"].lower()
    assert catalog.isrc == "USS1Z2600001"
    assert catalog.consents[4].granted_at > 0  # AI generation opted in at registration
    assert catalog.consents[5].granted_at == 0


def test_registration_is_idempotent_by_key(chain_client: TestClient) -> None:
    body = track_body(ARTIST, [(ARTIST, 1_000_000)])
    headers = {**admin_headers(), "Idempotency-Key": "track-abc"}
    first = chain_client.post("/v1/tracks", json=body, headers=headers)
    again = chain_client.post("/v1/tracks", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["track_id"] == again.json()["track_id"]
    other = chain_client.post("/v1/tracks", json={**body, "title": "Another"}, headers=headers)
    assert other.status_code == 409


def test_a_wallet_registers_only_tracks_it_controls(chain_client: TestClient) -> None:
    token = sign_in(chain_client, DEV_KEYS[0])
    own = chain_client.post(
        "/v1/tracks", json=track_body(ARTIST, [(ARTIST, 1_000_000)]), headers=bearer(token)
    )
    assert own.status_code == 201, own.text
    foreign = chain_client.post(
        "/v1/tracks", json=track_body(PRODUCER, [(PRODUCER, 1_000_000)]), headers=bearer(token)
    )
    assert foreign.status_code == 403
    assert foreign.json()["code"] == "forbidden"


def test_invalid_splits_are_refused_naming_the_field(client: TestClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        (track_body(ARTIST, [(ARTIST, 600_000)]), "contributors"),
        (track_body(ARTIST, [(ARTIST, 500_000), (ARTIST, 500_000)]), "contributors"),
        (track_body(ARTIST, [("0x1234", 1_000_000)]), "address"),
        (track_body(ARTIST, [(ARTIST, 1_000_000)], tier=7), "tier"),
        (track_body(ARTIST, [(ARTIST, 1_000_000)], ai_consent_mask=1), "ai_consent_mask"),
        (track_body(ARTIST, [(ARTIST, 1_000_000)], isrc="nope"), "isrc"),
        (track_body(ARTIST, [(ARTIST, 1_000_000)], model_name=None), "model_name"),
    ]
    for body, field in cases:
        response = client.post("/v1/tracks", json=body, headers=admin_headers())
        assert response.status_code == 422, (field, response.text)
        assert field in response.json()["message"], (field, response.json())


def test_duplicate_isrc_is_a_conflict_before_anything_is_sent(chain_client: TestClient) -> None:
    body = track_body(ARTIST, [(ARTIST, 1_000_000)], isrc="US-S1Z-26-00077")
    assert chain_client.post("/v1/tracks", json=body, headers=admin_headers()).status_code == 201
    again = chain_client.post("/v1/tracks", json=body, headers=admin_headers())
    assert again.status_code == 409
    assert "isrc" in again.json()["message"]


def test_public_reads_and_pagination(chain_client: TestClient) -> None:
    created = [
        chain_client.post(
            "/v1/tracks",
            json=track_body(PRODUCER, [(PRODUCER, 1_000_000)], title=f"T{i}"),
            headers=admin_headers(),
        ).json()
        for i in range(3)
    ]
    page = chain_client.get(f"/v1/tracks?controller={PRODUCER}&limit=2&offset=1").json()
    assert page["total"] == 3
    assert [t["title"] for t in page["items"]] == ["T1", "T2"]
    one = chain_client.get(f"/v1/tracks/{created[0]['track_id']}")
    assert one.status_code == 200
    assert chain_client.get("/v1/tracks/999999").json()["code"] == "not_found"


def test_tier_change_by_a_wallet_controller_returns_the_transaction(
    chain_client: TestClient, gateway: ChainGateway
) -> None:
    track = chain_client.post(
        "/v1/tracks", json=track_body(ARTIST, [(ARTIST, 1_000_000)]), headers=admin_headers()
    ).json()
    token = sign_in(chain_client, DEV_KEYS[0])
    response = chain_client.post(
        f"/v1/tracks/{track['track_id']}/tier", json={"tier": 2}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    prepared = response.json()["transaction"]
    assert prepared["to"] == gateway.deployment.track_registry
    stranger = sign_in(chain_client, STRANGER_KEY)
    refused = chain_client.post(
        f"/v1/tracks/{track['track_id']}/tier", json={"tier": 2}, headers=bearer(stranger)
    )
    assert refused.status_code == 403


def test_tier_change_is_sent_when_the_operator_controls_the_track(
    chain_client: TestClient, gateway: ChainGateway
) -> None:
    operator = gateway.operator_address
    track = chain_client.post(
        "/v1/tracks", json=track_body(operator, [(ARTIST, 1_000_000)]), headers=admin_headers()
    ).json()
    response = chain_client.post(
        f"/v1/tracks/{track['track_id']}/tier", json={"tier": 3}, headers=admin_headers()
    )
    assert response.status_code == 200, response.text
    assert response.json()["tx_hash"]
    registry = gateway.contract("TrackRegistry")
    assert registry.functions.track(track["track_id"]).call()[2] == 3
    assert chain_client.get(f"/v1/tracks/{track['track_id']}").json()["tier"] == 3


def test_the_catalog_keeps_the_tier_history_so_a_change_is_never_retroactive(
    chain_client: TestClient, gateway: ChainGateway, db_session: Session
) -> None:
    operator = gateway.operator_address
    track = chain_client.post(
        "/v1/tracks", json=track_body(operator, [(ARTIST, 1_000_000)]), headers=admin_headers()
    ).json()
    chain_client.post(
        f"/v1/tracks/{track['track_id']}/tier", json={"tier": 2}, headers=admin_headers()
    )
    registry = gateway.contract("TrackRegistry")
    _initial, changes = registry.functions.tierHistory(track["track_id"]).call()
    catalog = get_tracks(db_session.connection(), [track["track_id"]])[track["track_id"]]
    assert catalog.tiers == ((0, 5), (int(changes[0][0]), 2))
    changed_at = int(changes[0][0])
    assert catalog.tiers_during(changed_at - 100, changed_at) == {5}  # earlier usage: tier 5


def test_a_track_registered_to_settle_to_its_split(
    chain_client: TestClient, gateway: ChainGateway, db_session: Session
) -> None:
    body = track_body(ARTIST, [(ARTIST, 600_000), (PRODUCER, 400_000)], settle_to_split=True)
    response = chain_client.post("/v1/tracks", json=body, headers=admin_headers())
    assert response.status_code == 201, response.text
    track = response.json()
    assert track["settle_to_split"] is True
    assert chain_client.get(f"/v1/tracks/{track['track_id']}").json()["settle_to_split"] is True
    registry = gateway.contract("TrackRegistry")
    assert registry.functions.track(track["track_id"]).call()[5] is True
    catalog = get_tracks(db_session.connection(), [track["track_id"]])[track["track_id"]]
    assert catalog.settle_to_split is True
    plain = chain_client.post(
        "/v1/tracks", json=track_body(ARTIST, [(ARTIST, 1_000_000)]), headers=admin_headers()
    ).json()
    assert plain["settle_to_split"] is False
    assert registry.functions.track(plain["track_id"]).call()[5] is False
    headers = {**admin_headers(), "Idempotency-Key": "settle-key"}
    first = chain_client.post("/v1/tracks", json=body | {"title": "Kept"}, headers=headers)
    flipped = body | {"title": "Kept", "settle_to_split": False}
    assert first.status_code == 201
    assert chain_client.post("/v1/tracks", json=flipped, headers=headers).status_code == 409
