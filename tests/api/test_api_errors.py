"""One error model for every failure: {code, message, details}, with the error's own status."""

from __future__ import annotations

import pytest
from api_helpers import admin_headers
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.error_handlers import chain_revert_from
from api.errors import ChainRevert
from api.settings import ApiSettings
from chain_client.errors import ContractRevert


def test_request_validation_names_the_field(client: TestClient) -> None:
    response = client.get("/v1/tracks?limit=0")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["message"].startswith("query.limit:")
    assert body["details"]["errors"][0]["field"] == "query.limit"


def test_malformed_json_body_is_a_validation_error(client: TestClient) -> None:
    response = client.post(
        "/v1/tracks",
        content=b"{not json",
        headers={**admin_headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"


def test_unknown_route_and_method_use_the_error_model(client: TestClient) -> None:
    missing = client.get("/v1/nothing-here")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    wrong = client.delete("/v1/tracks")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")


def test_amounts_are_decimal_strings_and_refuse_floats(client: TestClient) -> None:
    body = {
        "name": "X",
        "payer": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "signing_address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "token": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "rates": [1.5, "0", "0", "0", "0", "0"],
    }
    response = client.post("/v1/platforms", json=body, headers=admin_headers())
    assert response.status_code == 422
    assert "rates" in response.json()["message"]


def test_bad_checksum_address_is_refused(client: TestClient) -> None:
    response = client.get("/v1/tracks?controller=0x70997970c51812dc3A010C7d01b50e0d17dc79C8")
    assert response.status_code == 422
    assert "checksum" in response.json()["message"]


def test_chain_unavailable_is_a_503_not_a_500(client: TestClient) -> None:
    response = client.get("/v1/editions/1/purchase-transactions")
    assert response.status_code == 405
    onboarding = client.post(
        "/v1/platforms",
        json={
            "name": "Y",
            "payer": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "signing_address": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "token": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "rates": ["1", "0", "0", "0", "0", "0"],
        },
        headers=admin_headers(),
    )
    assert onboarding.status_code == 503
    assert onboarding.json()["code"] in ("service_misconfigured", "chain_unavailable")


def test_contract_revert_becomes_a_4xx_naming_the_error() -> None:
    error = chain_revert_from(
        ContractRevert("InsufficientEscrow", (1, 5, 2**200), "UsageSettlement", tx_hash="0xab")
    )
    assert isinstance(error, ChainRevert)
    assert error.status_code == 422
    assert error.message == "UsageSettlement reverted with InsufficientEscrow"
    assert error.details["args"] == ["1", "5", str(2**200)]


def test_settings_refuse_the_default_admin_token_outside_development() -> None:
    ApiSettings(environment="development")
    for environment in ("test", "production"):
        with pytest.raises(ValidationError, match="admin_token"):
            ApiSettings(environment=environment)
    strong = "a-long-random-operator-token"
    assert ApiSettings(environment="production", admin_token=strong).admin_token == strong
