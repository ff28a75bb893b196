"""Journey 1, in real processes: a platform onboards, funds its escrow in mUSD and submits a
signed report; the epoch worker posts per-account leaves; contributors sign in with Ethereum,
see their earnings and claim gasless (one relayed transaction each). Wallet balances equal what
this test computes from the rate card, the attribution weights and the shares, to the base
unit."""

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
    send_call,
    share_of,
    sign_in,
    signed_report,
    wait_for,
    wait_settled,
)
from live_system import LiveSystem

from chain_client.compiler import compile_contracts
from chain_client.merkle import process_proof, standard_leaf_hash

pytestmark = pytest.mark.slow

ACCOUNT_LEAF = ("address", "address", "uint256")  # (account, token, cumulativeAmount)
PLATFORM, ARTIST, PRODUCER = 6, 7, 8
STREAM_RATE = 3_700_123_457  # 3,700.123457 base units (0.0037 mUSD) per stream, x 1e6
AI_RATE = 12_345_678_901  # per AI generation, x 1e6
ESCROW = 50 * 10**6  # 50 mUSD
SHARE_ARTIST, SHARE_PRODUCER = 333_333, 666_667
STREAMS_1, STREAMS_2, GENERATIONS = 1_234, 77, 17
WEIGHT_1, WEIGHT_2 = 700_000, 300_000


def _register(
    client: httpx.Client, system: LiveSystem, title: str, shares: list[tuple[int, int]]
) -> dict[str, object]:
    body = {
        "controller": system.address(ARTIST),
        "title": title,
        "ai_disclosure": "ai_assisted",
        "model_name": "musicgen-large",
        "content_hash": "0x" + title.encode().hex().ljust(64, "0")[:64],
        "tier": 5,
        "ai_consent_mask": 16,
        "contributors": [{"address": system.address(i), "share": s} for i, s in shares],
    }
    track: dict[str, object] = ok(client.post("/v1/tracks", json=body, headers=admin()), 201)
    return track


def test_platform_report_epoch_and_gasless_claim(system: LiveSystem, client: httpx.Client) -> None:
    w3, keys = system.w3, system.keys
    musd = system.deployment.mock_stablecoin
    onboarded = ok(
        client.post(
            "/v1/platforms",
            json={
                "name": "GenBeats",
                "payer": system.address(PLATFORM),
                "signing_address": system.address(PLATFORM),
                "token": musd,
                "rates": [str(STREAM_RATE), "0", "0", "0", str(AI_RATE), "0"],
                "declared_max_units_per_report": 1_000_000,
            },
            headers=admin(),
        ),
        201,
    )
    platform_id, api_key = onboarded["platform"]["platform_id"], onboarded["api_key"]
    assert ok(client.get(f"/v1/platforms/{platform_id}", headers=bearer(api_key)))["token"] == musd

    # The platform funds its escrow from its own wallet: mint (dev token), approve, deposit.
    artifacts = compile_contracts()
    token = w3.eth.contract(address=musd, abi=artifacts.abi("MockStablecoin"))
    settlement = w3.eth.contract(
        address=system.deployment.usage_settlement, abi=artifacts.abi("UsageSettlement")
    )
    payer = keys[PLATFORM]
    send_call(w3, payer, token.functions.mint(system.address(PLATFORM), ESCROW))
    send_call(w3, payer, token.functions.approve(settlement.address, ESCROW))
    send_call(w3, payer, settlement.functions.deposit(platform_id, ESCROW))
    balance = ok(client.get(f"/v1/platforms/{platform_id}/balance", headers=bearer(api_key)))
    assert (balance["escrow"], balance["owed"]) == (str(ESCROW), "0")

    track_1 = _register(
        client, system, "Glass Tides", [(ARTIST, SHARE_ARTIST), (PRODUCER, SHARE_PRODUCER)]
    )
    track_2 = _register(client, system, "Night Loom", [(PRODUCER, 1_000_000)])
    id_1, id_2 = track_1["track_id"], track_2["track_id"]

    now = chain_now(w3)
    lines = [
        {"track": id_1, "usage_class": 0, "units": STREAMS_1},
        {"track": id_2, "usage_class": "STREAM", "units": STREAMS_2},
        {
            "usage_class": "AI_GENERATION",
            "units": GENERATIONS,
            "attribution": [
                {"track": id_1, "weight": WEIGHT_1},
                {"track": id_2, "weight": WEIGHT_2},
            ],
        },
    ]
    report = signed_report(
        system,
        payer,
        report_id="gb-2026-w47",
        platform_id=platform_id,
        lines=lines,
        period=(now, now + 1),
    )
    submitted = ok(
        client.post(f"/v1/platforms/{platform_id}/reports", json=report, headers=bearer(api_key))
    )
    assert submitted["report"]["status"] == "accepted"
    assert submitted["report"]["quarantined_micro_units"] == "0", submitted

    # What the settlement owes, computed here from the rate card and the weights.
    owed_1 = amount_of(STREAMS_1 * UNIT, STREAM_RATE) + amount_of(GENERATIONS * WEIGHT_1, AI_RATE)
    owed_2 = amount_of(STREAMS_2 * UNIT, STREAM_RATE) + amount_of(GENERATIONS * WEIGHT_2, AI_RATE)
    assert ok(client.get(f"/v1/platforms/{platform_id}/balance", headers=bearer(api_key)))[
        "owed"
    ] == str(owed_1 + owed_2)

    artist, producer = system.address(ARTIST), system.address(PRODUCER)
    artist_session = sign_in(client, system, keys[ARTIST])
    wait_settled(client, system, platform_id, "gb-2026-w47", api_key, (artist, artist_session))
    balance = ok(client.get(f"/v1/platforms/{platform_id}/balance", headers=bearer(api_key)))
    assert (balance["escrow"], balance["owed"]) == (str(ESCROW - owed_1 - owed_2), "0")
    assert settlement.functions.platform(platform_id).call()[3] == ESCROW - owed_1 - owed_2

    # The artist sees the track's usage, the AI generations attributed to it and the earnings.
    dashboard = ok(
        client.get(f"/v1/contributors/{artist}/dashboard", headers=bearer(artist_session))
    )
    (line,) = dashboard["tracks"]
    assert line["track_id"] == id_1
    assert line["share"] == SHARE_ARTIST
    assert line["ai_generation_units"] == str(GENERATIONS * WEIGHT_1)
    usage = {(u["usage_class"], u["platform_id"]): u for u in line["usage"]}
    assert usage[(0, platform_id)]["micro_units"] == str(STREAMS_1 * UNIT)
    assert usage[(4, platform_id)]["amount"] == str(amount_of(GENERATIONS * WEIGHT_1, AI_RATE))
    assert line["earnings"] == [
        {"token": musd, "accrued": str(share_of(owed_1, SHARE_ARTIST)), "released_to_you": "0"}
    ]
    assert line["paths"] == [
        {"path": [track_1["split_address"]], "product": str(SHARE_ARTIST), "depth": 1}
    ]
    claimable = ok(
        client.get(f"/v1/contributors/{artist}/claimable", headers=bearer(artist_session))
    )
    assert claimable["per_token"] == {musd: str(share_of(owed_1, SHARE_ARTIST))}
    assert claimable["settlement"] == [
        {
            "token": musd,
            "cumulative_amount": str(share_of(owed_1, SHARE_ARTIST)),
            "claimed": "0",
            "claimable": str(share_of(owed_1, SHARE_ARTIST)),
        }
    ]

    # The public proof of the artist's leaf verifies against the chain's current root.
    proof = ok(client.get(f"/v1/settlement/proof/{artist}", params={"token": musd}))
    assert (proof["account"], proof["token"]) == (artist, musd)
    assert proof["cumulativeAmount"] == str(share_of(owed_1, SHARE_ARTIST))
    leaf = standard_leaf_hash(ACCOUNT_LEAF, [artist, musd, int(proof["cumulativeAmount"])])
    root, epoch = settlement.functions.currentRoot().call()
    assert (proof["epoch"], proof["root"]) == (epoch, "0x" + bytes(root).hex())
    assert process_proof(leaf, proof["proof"]) == bytes(root)
    other = client.get(f"/v1/contributors/{producer}/dashboard", headers=bearer(artist_session))
    assert other.status_code == 403, other.text

    # Gasless claims: one relayed transaction each; the relayer pays the gas, the wallets
    # receive exactly their credit: one floor per (track, account path).
    expected_of = {
        ARTIST: share_of(owed_1, SHARE_ARTIST),
        PRODUCER: share_of(owed_1, SHARE_PRODUCER) + share_of(owed_2, 1_000_000),
    }
    for index, key in ((ARTIST, artist_session), (PRODUCER, None)):
        expected = expected_of[index]
        address = system.address(index)
        session = key or sign_in(client, system, keys[index])
        eth_before = w3.eth.get_balance(address)
        musd_before = token.functions.balanceOf(address).call()
        claim = ok(
            client.post(
                f"/v1/contributors/{address}/claims",
                json={},
                headers={**bearer(session), "Idempotency-Key": f"first-claim-{index}"},
            )
        )
        assert claim["status"] == "sent", claim
        assert claim["tx_hashes"] == [claim["tx_hash"]]  # one transaction, whatever the tracks
        assert token.functions.balanceOf(address).call() - musd_before == expected
        assert w3.eth.get_balance(address) == eth_before  # gasless
        assert settlement.functions.claimed(address, musd).call() == expected
        after = ok(client.get(f"/v1/contributors/{address}/claimable", headers=bearer(session)))
        assert all(v == "0" for v in after["per_token"].values()), after

        def paid(address: str = address, session: str = session) -> int | None:
            path = f"/v1/contributors/{address}/dashboard"
            totals = ok(client.get(path, headers=bearer(session)))["settlement"]
            total = sum(int(t["claimed"]) for t in totals)
            return total or None

        # The indexer process follows the Claimed events into the dashboard.
        assert wait_for(f"{address}'s payout to be indexed", paid, system) == expected
    # Everything debited was claimed but the dust: below one base unit per account path.
    dust = owed_1 + owed_2 - settlement.functions.totalClaimed(musd).call()
    assert 0 <= dust < 3
    assert dust == owed_1 - sum(share_of(owed_1, s) for s in (SHARE_ARTIST, SHARE_PRODUCER))
