"""Journey 3, in real processes: a track's AI-generation consent is revoked, then a platform
reports streams and AI generations of it. The contributor sees the AI usage quarantined (reason
opted_out) and earns only from the streams: the escrow is debited for the streams alone and
nothing of the AI usage reaches the split. Two ways to opt out: the label that controls the track
asks the API (the operator sends it), or the artist who controls it sends the transaction the API
prepares from their own wallet (the indexer then carries the change into the oracle's catalog)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    wait_for,
    wait_settled,
)
from live_system import LiveSystem
from web3 import Web3

from chain_client.compiler import compile_contracts
from chain_client.constants import NATIVE_TOKEN

pytestmark = pytest.mark.slow

STREAM_RATE, AI_RATE = 4_000_000_000_017, 2_000_000_000_003  # wei per unit x 1e6
STREAMS, GENERATIONS = 500, 40
# Seconds between asking for the opt-out and its effective time: the transaction must be mined
# before then (RetroactiveRevocation otherwise), which on a loaded machine takes a few seconds.
OPT_OUT_DELAY = 15
ESCROW = 10**17
SHARE_MAIN, SHARE_OTHER = 600_000, 400_000


@dataclass(frozen=True)
class Case:
    platform: int  # dev account indexes
    contributor: int
    other: int
    report_id: str


def _contract(system: LiveSystem, name: str, address: str) -> Any:
    checksummed = Web3.to_checksum_address(address)
    return system.w3.eth.contract(address=checksummed, abi=compile_contracts().abi(name))


def _platform(client: httpx.Client, system: LiveSystem, case: Case) -> tuple[int, str]:
    onboarded = ok(
        client.post(
            "/v1/platforms",
            json={
                "name": f"RemixHub {case.report_id}",
                "payer": system.address(case.platform),
                "signing_address": system.address(case.platform),
                "token": NATIVE_TOKEN,
                "rates": [str(STREAM_RATE), "0", "0", "0", str(AI_RATE), "0"],
            },
            headers=admin(),
        ),
        201,
    )
    platform_id: int = onboarded["platform"]["platform_id"]
    settlement = _contract(system, "UsageSettlement", system.deployment.usage_settlement)
    deposit = settlement.functions.deposit(platform_id, ESCROW)._encode_transaction_data()
    send(system.w3, system.keys[case.platform], settlement.address, deposit, ESCROW)
    return platform_id, str(onboarded["api_key"])


def _track(client: httpx.Client, system: LiveSystem, case: Case, controller: str) -> dict[str, Any]:
    body = {
        "controller": controller,
        "title": f"Paper Satellites {case.report_id}",
        "ai_disclosure": "human",
        "content_hash": "0x" + case.report_id.encode().hex().ljust(64, "5")[:64],
        "tier": 5,
        "ai_consent_mask": 16,  # opted in to AI generation at registration
        "contributors": [
            {"address": system.address(case.contributor), "share": SHARE_MAIN},
            {"address": system.address(case.other), "share": SHARE_OTHER},
        ],
    }
    track: dict[str, Any] = ok(client.post("/v1/tracks", json=body, headers=admin()), 201)
    return track


def _report_settle_and_check(
    client: httpx.Client, system: LiveSystem, case: Case, platform: tuple[int, str], track: Any
) -> None:
    w3, keys = system.w3, system.keys
    (platform_id, api_key), track_id, split = platform, track["track_id"], track["split_address"]
    registry = _contract(system, "TrackRegistry", system.deployment.track_registry)
    granted_at, revoked_at = registry.functions.consent(track_id, 4).call()
    assert 0 < granted_at <= revoked_at  # opted in at registration, out since revoked_at

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
        keys[case.platform],
        report_id=case.report_id,
        platform_id=platform_id,
        lines=lines,
        period=(now, now + 1),
    )
    path = f"/v1/platforms/{platform_id}/reports"
    submitted = ok(client.post(path, json=report, headers=bearer(api_key)))["report"]
    assert submitted["status"] == "accepted"
    assert submitted["payable_micro_units"] == str(STREAMS * UNIT)
    assert submitted["quarantined_micro_units"] == str(GENERATIONS * UNIT)
    (held,) = submitted["quarantined"]
    assert (held["track_id"], held["usage_class"], held["reason"]) == (track_id, 4, "opted_out")

    contributor = system.address(case.contributor)
    session = sign_in(client, system, keys[case.contributor])
    wait_settled(client, system, platform_id, case.report_id, api_key, (contributor, session))

    stream_amount = amount_of(STREAMS * UNIT, STREAM_RATE)
    settlement = _contract(system, "UsageSettlement", system.deployment.usage_settlement)
    assert settlement.functions.platform(platform_id).call()[3] == ESCROW - stream_amount

    # The contributor sees the held AI usage and why, and earnings from the streams only.
    quarantine_path = f"/dashboard/data/contributors/{contributor}/quarantine"
    quarantine = ok(client.get(quarantine_path, headers=bearer(session)))
    assert [
        (q["track_id"], q["class_name"], q["reason"], q["micro_units"], q["status"])
        for q in quarantine["lines"]
    ] == [(track_id, "AI_GENERATION", "opted_out", str(GENERATIONS * UNIT), "held")]
    dashboard = ok(client.get(f"/v1/contributors/{contributor}/dashboard", headers=bearer(session)))
    (line,) = dashboard["tracks"]
    assert [u["class_name"] for u in line["usage"]] == ["STREAM"]
    assert line["ai_generation_units"] == "0"
    assert line["earnings"][0]["accrued"] == str(share_of(stream_amount, SHARE_MAIN))
    claimable = ok(client.get(f"/v1/contributors/{contributor}/claimable", headers=bearer(session)))
    assert claimable["per_token"] == {NATIVE_TOKEN: str(share_of(stream_amount, SHARE_MAIN))}

    before = w3.eth.get_balance(contributor)
    claim = ok(
        client.post(
            f"/v1/contributors/{contributor}/claims",
            json={},
            headers={**bearer(session), "Idempotency-Key": case.report_id},
        )
    )
    assert claim["status"] == "sent"
    assert len(claim["tx_hashes"]) == 1  # one claim transaction, straight from settlement
    assert w3.eth.get_balance(contributor) - before == share_of(stream_amount, SHARE_MAIN)
    paid = settlement.functions.claimed(contributor, NATIVE_TOKEN).call()
    assert paid == share_of(stream_amount, SHARE_MAIN)
    assert w3.eth.get_balance(split) == 0  # settlement pays accounts, never the split
    other = system.address(case.other)
    foreign = client.get(
        f"/dashboard/data/contributors/{other}/quarantine", headers=bearer(session)
    )
    assert foreign.status_code == 403


def _opt_out_at(system: LiveSystem) -> int:
    return chain_now(system.w3) + OPT_OUT_DELAY


def test_label_opts_out_through_the_api(system: LiveSystem, client: httpx.Client) -> None:
    case = Case(platform=9, contributor=15, other=16, report_id="rh-label")
    platform = _platform(client, system, case)
    track = _track(client, system, case, controller=system.address(0))  # the label (operator)
    opt_out = ok(
        client.post(
            f"/v1/tracks/{track['track_id']}/consent",
            json={"usage_class": 4, "granted": False, "effective_at": _opt_out_at(system)},
            headers=admin(),
        )
    )
    assert opt_out["tx_hash"] is not None  # the operator controls it: sent by the API
    _report_settle_and_check(client, system, case, platform, track)


def test_artist_opts_out_from_their_own_wallet(system: LiveSystem, client: httpx.Client) -> None:
    case = Case(platform=2, contributor=10, other=11, report_id="rh-artist")
    artist_key = system.keys[case.contributor]
    platform = _platform(client, system, case)
    track = _track(client, system, case, controller=system.address(case.contributor))
    track_id = track["track_id"]
    session = sign_in(client, system, artist_key)
    opt_out = ok(
        client.post(
            f"/v1/tracks/{track_id}/consent",
            json={"usage_class": 4, "granted": False, "effective_at": _opt_out_at(system)},
            headers=bearer(session),
        )
    )
    assert opt_out["tx_hash"] is None  # prepared for the artist's wallet, not sent
    prepared = opt_out["transaction"]
    send(system.w3, artist_key, prepared["to"], prepared["data"], int(prepared["value"]))

    # Barrier: the indexer syncs, then re-publishes changed tracks, one pass after the other.
    # Editions created from the wallet appear only once indexed, so when a second one (sent after
    # the first was seen) shows up, the pass that saw the consent change has published it.
    for count in (1, 2):
        edition = ok(
            client.post(
                "/v1/editions",
                json={
                    "track_id": track_id,
                    "token": NATIVE_TOKEN,
                    "price": "1",
                    "max_supply": 1,
                    "sale_start": 0,
                },
                headers=bearer(session),
            )
        )["transaction"]
        send(system.w3, artist_key, edition["to"], edition["data"], int(edition["value"]))

        def indexed(count: int = count) -> int | None:
            listed = ok(client.get("/v1/editions", params={"track_id": track_id}))["total"]
            return listed if listed >= count else None

        wait_for(f"edition {count} of track {track_id} to be indexed", indexed, system)
    _report_settle_and_check(client, system, case, platform, track)
