"""Journey 3, in real processes: a track's AI-generation consent is revoked (its controller opts
out); a platform then reports streams and AI generations of it. The contributor sees the AI
usage quarantined (reason opted_out) and earns only from the streams: the escrow is debited for
the streams alone and nothing of the AI usage reaches the split."""

from __future__ import annotations

import httpx
import pytest
from journey_helpers import (
    UNIT,
    admin,
    amount_of,
    bearer,
    chain_now,
    ok,
    send,
    share_of,
    sign_in,
    signed_report,
    wait_settled,
)
from live_system import LiveSystem

from chain_client.compiler import compile_contracts
from chain_client.constants import NATIVE_TOKEN

pytestmark = pytest.mark.slow

PLATFORM, SINGER, BAND = 9, 15, 16
SHARE_SINGER, SHARE_BAND = 600_000, 400_000
STREAM_RATE, AI_RATE = 4_000_000_000_017, 2_000_000_000_003  # wei per unit x 1e6
STREAMS, GENERATIONS = 500, 40
ESCROW = 10**17


def test_opted_out_ai_usage_is_quarantined_and_unpaid(
    system: LiveSystem, client: httpx.Client
) -> None:
    w3, keys = system.w3, system.keys
    onboarded = ok(
        client.post(
            "/v1/platforms",
            json={
                "name": "RemixHub",
                "payer": system.address(PLATFORM),
                "signing_address": system.address(PLATFORM),
                "token": NATIVE_TOKEN,
                "rates": [str(STREAM_RATE), "0", "0", "0", str(AI_RATE), "0"],
            },
            headers=admin(),
        ),
        201,
    )
    platform_id, api_key = onboarded["platform"]["platform_id"], onboarded["api_key"]
    settlement = w3.eth.contract(
        address=system.deployment.usage_settlement, abi=compile_contracts().abi("UsageSettlement")
    )
    deposit = settlement.functions.deposit(platform_id, ESCROW)
    send(w3, keys[PLATFORM], settlement.address, deposit._encode_transaction_data(), ESCROW)

    track = ok(
        client.post(
            "/v1/tracks",
            json={
                "controller": system.address(0),  # the label controls it, for its artists
                "title": "Paper Satellites",
                "ai_disclosure": "human",
                "content_hash": "0x" + "5a" * 32,
                "tier": 5,
                "ai_consent_mask": 16,  # opted in to AI generation at registration
                "contributors": [
                    {"address": system.address(SINGER), "share": SHARE_SINGER},
                    {"address": system.address(BAND), "share": SHARE_BAND},
                ],
            },
            headers=admin(),
        ),
        201,
    )
    track_id, split = track["track_id"], track["split_address"]
    opt_out = ok(
        client.post(
            f"/v1/tracks/{track_id}/consent",
            json={"usage_class": 4, "granted": False, "effective_at": chain_now(w3) + 2},
            headers=admin(),
        )
    )
    assert opt_out["tx_hash"] is not None
    registry = w3.eth.contract(
        address=system.deployment.track_registry, abi=compile_contracts().abi("TrackRegistry")
    )
    granted_at, revoked_at = registry.functions.consent(track_id, 4).call()
    assert 0 < granted_at <= revoked_at

    now = max(chain_now(w3), revoked_at)
    lines = [
        {"track": track_id, "usage_class": "STREAM", "units": STREAMS},
        {
            "track": track_id,
            "usage_class": "AI_GENERATION",
            "units": GENERATIONS,
            "attribution": [{"track": track_id, "weight": 1_000_000}],
        },
    ]
    report = signed_report(
        system,
        keys[PLATFORM],
        report_id="rh-0001",
        platform_id=platform_id,
        lines=lines,
        period=(now, now + 1),
    )
    submitted = ok(
        client.post(f"/v1/platforms/{platform_id}/reports", json=report, headers=bearer(api_key))
    )["report"]
    assert submitted["status"] == "accepted"
    assert submitted["payable_micro_units"] == str(STREAMS * UNIT)
    assert submitted["quarantined_micro_units"] == str(GENERATIONS * UNIT)
    (held,) = submitted["quarantined"]
    assert (held["track_id"], held["usage_class"], held["reason"]) == (track_id, 4, "opted_out")

    singer = system.address(SINGER)
    session = sign_in(client, system, keys[SINGER])
    wait_settled(client, system, platform_id, "rh-0001", api_key, (singer, session))

    stream_amount = amount_of(STREAMS * UNIT, STREAM_RATE)
    escrow_left = settlement.functions.platform(platform_id).call()[3]
    assert escrow_left == ESCROW - stream_amount  # debited for the streams only

    # The contributor sees the held AI usage and why, and earnings from the streams only.
    quarantine = ok(
        client.get(f"/dashboard/data/contributors/{singer}/quarantine", headers=bearer(session))
    )
    assert [
        (q["track_id"], q["class_name"], q["reason"], q["micro_units"], q["status"])
        for q in quarantine["lines"]
    ] == [(track_id, "AI_GENERATION", "opted_out", str(GENERATIONS * UNIT), "held")]
    dashboard = ok(client.get(f"/v1/contributors/{singer}/dashboard", headers=bearer(session)))
    (line,) = dashboard["tracks"]
    assert [u["class_name"] for u in line["usage"]] == ["STREAM"]
    assert line["ai_generation_units"] == "0"
    assert line["earnings"][0]["accrued"] == str(share_of(stream_amount, SHARE_SINGER))
    claimable = ok(client.get(f"/v1/contributors/{singer}/claimable", headers=bearer(session)))
    assert claimable["per_token"] == {NATIVE_TOKEN: str(share_of(stream_amount, SHARE_SINGER))}

    before = w3.eth.get_balance(singer)
    claim = ok(
        client.post(
            f"/v1/contributors/{singer}/claims",
            json={},
            headers={**bearer(session), "Idempotency-Key": "singer-1"},
        )
    )
    assert claim["status"] == "sent"
    assert w3.eth.get_balance(singer) - before == share_of(stream_amount, SHARE_SINGER)
    assert settlement.functions.pulled(split, NATIVE_TOKEN).call() == stream_amount
    band = system.address(BAND)
    assert w3.eth.get_balance(split) == stream_amount - share_of(stream_amount, SHARE_SINGER)
    foreign = client.get(f"/dashboard/data/contributors/{band}/quarantine", headers=bearer(session))
    assert foreign.status_code == 403
