"""Sign-In with Ethereum: nonces are single use; domain, chain id, expiry and signature checked."""

from __future__ import annotations

from datetime import timedelta

from api_helpers import DEV_KEYS, admin_headers, bearer, sign_in, sign_text, siwe_message
from eth_account import Account
from fastapi.testclient import TestClient

KEY = DEV_KEYS[0]
ADDRESS = Account.from_key(KEY).address


def _attempt(client: TestClient, **options: object) -> dict[str, object]:
    nonce = client.post("/v1/auth/nonce").json()["nonce"]
    text = siwe_message(ADDRESS, nonce, **options)  # type: ignore[arg-type]
    response = client.post(
        "/v1/auth/siwe", json={"message": text, "signature": sign_text(KEY, text)}
    )
    return {"status": response.status_code, **response.json()}


def test_sign_in_returns_a_session_that_identifies_the_wallet(client: TestClient) -> None:
    token = sign_in(client, KEY)
    me = client.get("/v1/auth/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.json() == {"role": "wallet", "address": ADDRESS, "platform_id": None}


def test_nonce_is_single_use(client: TestClient) -> None:
    nonce = client.post("/v1/auth/nonce").json()["nonce"]
    text = siwe_message(ADDRESS, nonce)
    body = {"message": text, "signature": sign_text(KEY, text)}
    assert client.post("/v1/auth/siwe", json=body).status_code == 200
    replay = client.post("/v1/auth/siwe", json=body)
    assert replay.status_code == 401
    assert replay.json()["code"] == "unauthorized"
    assert "nonce" in replay.json()["message"]


def test_unknown_nonce_is_refused(client: TestClient) -> None:
    text = siwe_message(ADDRESS, "neverissued12345")
    response = client.post(
        "/v1/auth/siwe", json={"message": text, "signature": sign_text(KEY, text)}
    )
    assert response.status_code == 401
    assert "nonce" in response.json()["message"]


def test_wrong_domain_is_refused(client: TestClient) -> None:
    result = _attempt(client, domain="evil.example")
    assert result["status"] == 401
    assert "domain" in str(result["message"])


def test_wrong_chain_id_is_refused(client: TestClient) -> None:
    result = _attempt(client, chain_id=1)
    assert result["status"] == 401
    assert "chain_id" in str(result["message"])


def test_expired_message_is_refused(client: TestClient) -> None:
    result = _attempt(client, expires_in=timedelta(seconds=-5))
    assert result["status"] == 401
    assert "Expired" in str(result["message"])


def test_signature_by_another_key_is_refused(client: TestClient) -> None:
    nonce = client.post("/v1/auth/nonce").json()["nonce"]
    text = siwe_message(ADDRESS, nonce)
    response = client.post(
        "/v1/auth/siwe", json={"message": text, "signature": sign_text(DEV_KEYS[1], text)}
    )
    assert response.status_code == 401
    assert "signature" in response.json()["message"]
    # The nonce was not spent by the failed attempt.
    ok = client.post("/v1/auth/siwe", json={"message": text, "signature": sign_text(KEY, text)})
    assert ok.status_code == 200


def test_malformed_message_names_the_message(client: TestClient) -> None:
    response = client.post(
        "/v1/auth/siwe", json={"message": "hello", "signature": "0x" + "00" * 65}
    )
    assert response.status_code == 401
    assert response.json()["message"].startswith("message:")


def test_logout_revokes_the_session(client: TestClient) -> None:
    token = sign_in(client, KEY)
    assert client.post("/v1/auth/logout", headers=bearer(token)).status_code == 204
    after = client.get("/v1/auth/me", headers=bearer(token))
    assert after.status_code == 401


def test_admin_token_is_the_operator(client: TestClient) -> None:
    me = client.get("/v1/auth/me", headers=admin_headers())
    assert me.json()["role"] == "operator"


def test_unknown_tokens_are_refused_with_the_error_model(client: TestClient) -> None:
    for token in ("rs_bogus", "rk_bogus", "something-else"):
        response = client.get("/v1/auth/me", headers=bearer(token))
        assert response.status_code == 401
        body = response.json()
        assert set(body) == {"code", "message", "details"}
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/v1/auth/me").status_code == 401
