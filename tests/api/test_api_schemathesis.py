"""Property-based run over the OpenAPI document: no generated request may cause a 5xx.

Runs as the operator (the deepest reach) against the real anvil deployment on the rolled-back
test transaction, with a bounded number of examples per operation.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from api_helpers import admin_headers
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import ApiSettings

MAX_EXAMPLES = 8

SCHEMA = schemathesis.openapi.from_dict(
    create_app(ApiSettings(environment="development"), run_migrations=False).openapi()
)


@SCHEMA.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_server_errors(case: schemathesis.Case, chain_client: TestClient) -> None:
    kwargs: dict[str, Any] = case.as_transport_kwargs(base_url="http://testserver")
    kwargs["headers"] = {**(kwargs.get("headers") or {}), **admin_headers()}
    response = chain_client.request(**kwargs)
    assert response.status_code < 500, (case.as_curl_command(), response.text)
    if response.status_code >= 400:
        assert set(response.json()) == {"code", "message", "details"}
