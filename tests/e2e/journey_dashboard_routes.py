"""The dashboard's own routes on the running API: pages and assets are served, asset names
outside the committed files are refused, token metadata comes from the chain, and the
quarantine read needs that wallet's session."""

from __future__ import annotations

import httpx
import pytest
from journey_helpers import admin, bearer, ok, sign_in
from live_system import LiveSystem

from chain_client.constants import NATIVE_TOKEN

pytestmark = pytest.mark.slow


def test_pages_and_assets(client: httpx.Client) -> None:
    for path, marker in (("/dashboard", 'id="lookup"'), ("/dashboard/editions", 'id="editions"')):
        page = client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert marker in page.text
    script = client.get("/dashboard/static/dashboard.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "signIn" in script.text
    assert client.get("/dashboard/static/style.css").headers["content-type"].startswith("text/css")
    for bad in ("missing.js", "..%2Frouter.py", "router.py", "dashboard.html", ".hidden.js"):
        refused = client.get(f"/dashboard/static/{bad}")
        assert refused.status_code == 404, bad
        assert refused.json()["code"] == "not_found"


def test_token_metadata(system: LiveSystem, client: httpx.Client) -> None:
    assert ok(client.get(f"/dashboard/data/tokens/{NATIVE_TOKEN}")) == {
        "address": NATIVE_TOKEN,
        "symbol": "ETH",
        "decimals": 18,
    }
    musd = system.deployment.mock_stablecoin
    assert ok(client.get(f"/dashboard/data/tokens/{musd.lower()}")) == {
        "address": musd,
        "symbol": "mUSD",
        "decimals": 6,
    }
    not_a_token = client.get(f"/dashboard/data/tokens/{system.address(3)}")
    assert not_a_token.status_code == 404
    assert "symbol() and decimals()" in not_a_token.json()["message"]
    malformed = client.get("/dashboard/data/tokens/0x1234")
    assert malformed.status_code == 422


def test_quarantine_read_is_private(system: LiveSystem, client: httpx.Client) -> None:
    address = system.address(17)
    path = f"/dashboard/data/contributors/{address}/quarantine"
    assert client.get(path).status_code == 401
    other = sign_in(client, system, system.keys[18])
    assert client.get(path, headers=bearer(other)).status_code == 403
    own = sign_in(client, system, system.keys[17])
    assert ok(client.get(path, headers=bearer(own))) == {"address": address, "lines": []}
    assert ok(client.get(path, headers=admin()))["lines"] == []
