"""Demo-like data for the browser test, made through the running API and chain: a platform
paying in mUSD, two tracks, two reports settled in two epochs (an AI generation split across
both tracks, one of which never opted in to AI: that part is quarantined), and an edition
bought in ETH. Returns what the contributor should see, computed here from the rate card."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from journey_helpers import (
    UNIT,
    admin,
    amount_of,
    bearer,
    chain_now,
    ok,
    send,
    send_call,
    share_of,
    sign_in,
    signed_report,
    wait_settled,
)
from live_system import LiveSystem

from chain_client.compiler import compile_contracts
from chain_client.constants import NATIVE_TOKEN

PLATFORM, CONTRIBUTOR, COWRITER, COLLECTOR = 6, 7, 8, 12
SHARE = 333_333  # the contributor's share of track A; track B is theirs alone
STREAM_RATE, AI_RATE = 3_700_123_457, 12_345_678_901
ESCROW = 100 * 10**6
EDITION_PRICE, EDITION_BOUGHT = 12_500_000_000_000_001, 2


@dataclass(frozen=True)
class Seeded:
    contributor: str
    session: str
    track_a: int
    track_b: int
    accrued_musd: int
    per_epoch: dict[int, int]
    claimable_eth: int
    edition_id: int


def _track(
    client: httpx.Client,
    system: LiveSystem,
    title: str,
    shares: list[tuple[int, int]],
    ai_mask: int,
) -> int:
    body = {
        "controller": system.address(0),
        "title": title,
        "ai_disclosure": "ai_assisted",
        "model_name": "musicgen-large",
        "content_hash": "0x" + title.encode().hex().ljust(64, "0")[:64],
        "tier": 5,
        "ai_consent_mask": ai_mask,
        "contributors": [{"address": system.address(i), "share": s} for i, s in shares],
    }
    track_id: int = ok(client.post("/v1/tracks", json=body, headers=admin()), 201)["track_id"]
    return track_id


def seed(client: httpx.Client, system: LiveSystem) -> Seeded:
    w3, keys = system.w3, system.keys
    musd = system.deployment.mock_stablecoin
    platform = ok(
        client.post(
            "/v1/platforms",
            json={
                "name": "GenBeats",
                "payer": system.address(PLATFORM),
                "signing_address": system.address(PLATFORM),
                "token": musd,
                "rates": [str(STREAM_RATE), "0", "0", "0", str(AI_RATE), "0"],
            },
            headers=admin(),
        ),
        201,
    )
    platform_id, api_key = platform["platform"]["platform_id"], platform["api_key"]
    artifacts = compile_contracts()
    token = w3.eth.contract(address=musd, abi=artifacts.abi("MockStablecoin"))
    settlement = w3.eth.contract(
        address=system.deployment.usage_settlement, abi=artifacts.abi("UsageSettlement")
    )
    send_call(w3, keys[PLATFORM], token.functions.mint(system.address(PLATFORM), ESCROW))
    send_call(w3, keys[PLATFORM], token.functions.approve(settlement.address, ESCROW))
    send_call(w3, keys[PLATFORM], settlement.functions.deposit(platform_id, ESCROW))

    track_a = _track(
        client, system, "Glass Tides", [(CONTRIBUTOR, SHARE), (COWRITER, 1_000_000 - SHARE)], 16
    )
    track_b = _track(client, system, "Low Orbit", [(CONTRIBUTOR, 1_000_000)], 0)  # no AI consent
    contributor = system.address(CONTRIBUTOR)
    session = sign_in(client, system, keys[CONTRIBUTOR])

    streams = [(1_234, 400), (2_000, 50)]  # (track A, track B) per report
    generations, weight_a = 17, 700_000
    for number, (streams_a, streams_b) in enumerate(streams, start=1):
        lines: list[dict[str, object]] = [
            {"track": track_a, "usage_class": "STREAM", "units": streams_a},
            {"track": track_b, "usage_class": "STREAM", "units": streams_b},
        ]
        if number == 1:
            lines.append(
                {
                    "usage_class": "AI_GENERATION",
                    "units": generations,
                    "attribution": [
                        {"track": track_a, "weight": weight_a},
                        {"track": track_b, "weight": 1_000_000 - weight_a},
                    ],
                }
            )
        now = chain_now(w3)
        report_id = f"genbeats-{number}"
        report = signed_report(
            system,
            keys[PLATFORM],
            report_id=report_id,
            platform_id=platform_id,
            lines=lines,
            period=(now, now + 1),
        )
        ok(
            client.post(
                f"/v1/platforms/{platform_id}/reports", json=report, headers=bearer(api_key)
            )
        )
        wait_settled(client, system, platform_id, report_id, api_key, (contributor, session))

    # Cumulative amounts per track after each epoch, then the contributor's part per epoch.
    ai_a = amount_of(generations * weight_a, AI_RATE)
    cumulative_a = [
        amount_of(1_234 * UNIT, STREAM_RATE) + ai_a,
        amount_of(3_234 * UNIT, STREAM_RATE) + ai_a,
    ]
    cumulative_b = [amount_of(400 * UNIT, STREAM_RATE), amount_of(450 * UNIT, STREAM_RATE)]
    # The contributor's credit floors each track's cumulative amount (one floor per path), so
    # an epoch adds the difference of those floors, not the floor of the difference.
    credit = [share_of(cumulative_a[i], SHARE) + cumulative_b[i] for i in range(2)]
    edition = ok(
        client.post(
            "/v1/editions",
            json={
                "track_id": track_a,
                "token": NATIVE_TOKEN,
                "price": str(EDITION_PRICE),
                "max_supply": 25,
                "sale_start": 0,
            },
            headers=admin(),
        )
    )["edition"]
    collector = system.address(COLLECTOR)
    purchase = ok(
        client.post(
            f"/v1/editions/{edition['edition_id']}/purchase-transactions",
            json={"buyer": collector, "quantity": EDITION_BOUGHT},
        )
    )
    for tx in purchase["transactions"]:
        send(w3, keys[COLLECTOR], tx["to"], tx["data"], int(tx["value"]))
    return Seeded(
        contributor=contributor,
        session=session,
        track_a=track_a,
        track_b=track_b,
        accrued_musd=share_of(cumulative_a[1], SHARE) + cumulative_b[1],
        per_epoch={1: credit[0], 2: credit[1] - credit[0]},
        claimable_eth=share_of(EDITION_PRICE * EDITION_BOUGHT, SHARE),
        edition_id=int(edition["edition_id"]),
    )
