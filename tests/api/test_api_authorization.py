"""The authorization matrix: every route against every role, allowed and refused.

An allowed call may still fail for other reasons here (no chain is reachable in this app:
503), but never with 401 or 403; a refused call always fails with 401 (no or unknown
credentials) or 403 (known caller, not allowed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from api_helpers import DEV_KEYS, address_of, admin_headers, bearer, sign_in, track_body
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.auth.tokens import hash_token
from api.db.types import utc_now
from api.platforms.models import PlatformAccount
from api.tracks.models import Track, TrackContributor
from oracle.catalog import upsert_platform

WALLET_A = address_of(DEV_KEYS[0])
WALLET_B = address_of(DEV_KEYS[1])
KEY_P1, KEY_P2 = "rk_platform-one-test-key", "rk_platform-two-test-key"
ROLES = ("anonymous", "operator", "wallet_a", "wallet_b", "platform_1", "platform_2")
PUBLIC = frozenset(ROLES)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: frozenset[str]
    json: object = None
    files: dict[str, tuple[str, bytes]] | None = None
    data: dict[str, str] | None = None


SIGNATURE = "0x" + "11" * 65
CSV_FILE = {"file": ("r.csv", b"# report_id: r1\ntrack,usage_class,units\n")}

ROUTES = (
    Route("POST", "/v1/auth/nonce", PUBLIC),
    Route("POST", "/v1/auth/logout", frozenset({"wallet_a", "wallet_b"})),
    Route("GET", "/v1/auth/me", frozenset(ROLES) - {"anonymous"}),
    Route("GET", "/v1/tracks", PUBLIC),
    Route("GET", "/v1/tracks/1", PUBLIC),
    Route(
        "POST",
        "/v1/tracks",
        frozenset({"operator", "wallet_a"}),
        json=track_body(WALLET_A, [(WALLET_A, 1_000_000)]),
    ),
    Route("POST", "/v1/tracks/1/tier", frozenset({"operator", "wallet_a"}), json={"tier": 2}),
    Route(
        "POST",
        "/v1/tracks/1/consent",
        frozenset({"operator", "wallet_a"}),
        json={"usage_class": 5, "granted": True},
    ),
    Route(
        "POST",
        "/v1/platforms",
        frozenset({"operator"}),
        json={
            "name": "NewCo",
            "payer": WALLET_A,
            "signing_address": WALLET_A,
            "token": WALLET_A,
            "rates": ["1", "0", "0", "0", "0", "0"],
        },
    ),
    Route("GET", "/v1/platforms", frozenset({"operator"})),
    Route("GET", "/v1/platforms/1", frozenset({"operator", "platform_1"})),
    Route("GET", "/v1/platforms/1/balance", frozenset({"operator", "platform_1"})),
    Route(
        "POST",
        "/v1/platforms/1/reports",
        frozenset({"operator", "platform_1"}),
        json={"report_id": "r1", "period_start": 0, "period_end": 1, "lines": []},
    ),
    Route(
        "POST",
        "/v1/platforms/1/reports/csv",
        frozenset({"operator", "platform_1"}),
        files=CSV_FILE,
        data={"signature": SIGNATURE},
    ),
    Route(
        "POST",
        "/v1/platforms/1/reports/dsr",
        frozenset({"operator", "platform_1"}),
        files={"file": ("r.dsr", b"HEAD\n")},
        data={"signature": SIGNATURE},
    ),
    Route(
        "POST",
        "/v1/platforms/1/reports/inspect",
        frozenset({"operator", "platform_1"}),
        files={"files": ("r.dsr", b"HEAD\n")},
        data={"format": "dsr"},
    ),
    Route("GET", "/v1/platforms/1/reports", frozenset({"operator", "platform_1"})),
    Route("GET", "/v1/platforms/1/reports/r1", frozenset({"operator", "platform_1"})),
    Route("GET", "/v1/governance/changes", PUBLIC),
    Route("GET", "/v1/editions", PUBLIC),
    Route("GET", "/v1/editions/1", PUBLIC),
    Route(
        "POST",
        "/v1/editions",
        frozenset({"operator", "wallet_a"}),
        json={"track_id": 1, "token": WALLET_A, "price": "1", "max_supply": 5, "sale_start": 0},
    ),
    Route(
        "POST",
        "/v1/editions/1/purchase-transactions",
        PUBLIC,
        json={"buyer": WALLET_B, "quantity": 1},
    ),
    Route(
        "POST",
        "/v1/editions/1/mints",
        frozenset({"operator"}),
        json={"order_id": "o-1", "to": WALLET_B, "quantity": 1},
    ),
    Route("GET", f"/v1/contributors/{WALLET_A}/dashboard", frozenset({"operator", "wallet_a"})),
    Route("GET", f"/v1/contributors/{WALLET_A}/claimable", frozenset({"operator", "wallet_a"})),
    Route(
        "POST",
        f"/v1/contributors/{WALLET_A}/claims",
        frozenset({"operator", "wallet_a"}),
        json={},
    ),
    Route(
        "POST",
        f"/v1/contributors/{WALLET_A}/claims/calldata",
        frozenset({"operator", "wallet_a"}),
        json={},
    ),
    Route("GET", f"/v1/reports/contributors/{WALLET_A}", frozenset({"operator", "wallet_a"})),
    Route("GET", f"/v1/reports/contributors/{WALLET_A}/csv", frozenset({"operator", "wallet_a"})),
    Route("GET", f"/v1/reports/contributors/{WALLET_A}/html", frozenset({"operator", "wallet_a"})),
)


def _seed(session: Session) -> None:
    for platform_id, key in ((1, KEY_P1), (2, KEY_P2)):
        session.add(
            PlatformAccount(
                platform_id=platform_id,
                name=f"platform-{platform_id}",
                payer_address=WALLET_B,
                signing_address=WALLET_B,
                token=WALLET_B,
                declared_max_units="0",
                api_key_hash=hash_token(key),
                registered_tx="0x" + "00" * 32,
                created_at=utc_now(),
            )
        )
        upsert_platform(session.connection(), platform_id, WALLET_B, WALLET_B, [1, 0, 0, 0, 0, 0])
    session.add(
        Track(
            track_id=1,
            split_address=WALLET_B,
            controller=WALLET_A,
            title="Seed",
            ai_disclosure="human",
            content_hash="0x" + "00" * 32,
            metadata_hash="0x" + "00" * 32,
            tier=1,
            ai_consent_mask=0,
            registered_tx="0x" + "00" * 32,
            created_at=utc_now(),
        )
    )
    session.flush()
    session.add(TrackContributor(track_id=1, address=WALLET_A, share=1_000_000, role="artist"))
    session.commit()


@pytest.fixture
def role_headers(client: TestClient, db_session: Session) -> Callable[[str], dict[str, str]]:
    _seed(db_session)
    tokens = {
        "operator": admin_headers(),
        "wallet_a": bearer(sign_in(client, DEV_KEYS[0])),
        "wallet_b": bearer(sign_in(client, DEV_KEYS[1])),
        "platform_1": bearer(KEY_P1),
        "platform_2": bearer(KEY_P2),
        "anonymous": {},
    }
    return lambda role: dict(tokens[role])


def _call(client: TestClient, route: Route, headers: dict[str, str]) -> int:
    response = client.request(
        route.method,
        route.path,
        json=route.json,
        files=route.files,
        data=route.data,
        headers=headers,
    )
    is_json = "json" in response.headers.get("content-type", "") and response.content
    body = response.json() if is_json else None
    if response.status_code >= 400:
        assert body is not None, response.text
        assert set(body) == {"code", "message", "details"}, response.text
    return response.status_code


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_every_role_on_every_route(
    client: TestClient, role_headers: Callable[[str], dict[str, str]], route: Route
) -> None:
    outcomes = {role: _call(client, route, role_headers(role)) for role in ROLES}
    for role, status in outcomes.items():
        if role in route.allowed:
            assert status not in (401, 403), (role, status, outcomes)
        elif role == "anonymous":
            assert status == 401, (role, status, outcomes)
        else:
            assert status == 403, (role, status, outcomes)


def test_every_api_route_is_in_the_matrix(client: TestClient) -> None:
    from fastapi.routing import APIRoute

    covered = {(r.method, r.path.replace(WALLET_A, "{address}")) for r in ROUTES}
    normalised = {(m, p.replace("/1", "/{id}").replace("/r1", "/{report_id}")) for m, p in covered}
    for api_route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(api_route, APIRoute) or api_route.path in ("/healthz", "/v1/auth/siwe"):
            continue
        path = (
            api_route.path.replace("{track_id}", "{id}")
            .replace("{platform_id}", "{id}")
            .replace("{edition_id}", "{id}")
        )
        for method in api_route.methods:
            assert (method, path) in normalised, (method, api_route.path)
