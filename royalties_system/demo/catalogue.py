"""Steps 1-3: register the tracks (through the API), onboard the platforms, fund the escrows."""

from __future__ import annotations

from web3 import Web3

from chain_client.contracts import UsageSettlementClient
from royalties_system.demo.context import Demo
from royalties_system.demo.story import (
    ESCROW,
    GENERATOR,
    GENERATOR_RATES,
    ROLE_NAMES,
    STREAMING,
    STREAMING_RATES,
    TRACKS,
)
from royalties_system.demo.wallets import tx_hash


def isrc(demo: Demo, number: int) -> str:
    return f"QZ-DMO-26-{(int(demo.tag, 16) % 10_000) * 10 + number:05d}"


def register_tracks(demo: Demo) -> None:
    demo.step("1. Tracks and their splits (POST /v1/tracks, operator)")
    for number, plan in enumerate(TRACKS):
        contributors = []
        for who, share in plan.shares:
            address = (
                demo.wallets.address(who)
                if isinstance(who, int)
                else demo.tracks[who]["split_address"]
            )
            role = "original_split" if isinstance(who, str) else "artist"
            contributors.append({"address": address, "share": share, "role": role})
        body: dict[str, object] = {
            "controller": demo.wallets.address(plan.controller),
            "title": plan.title,
            "isrc": isrc(demo, number),
            "ai_disclosure": plan.disclosure,
            "content_hash": "0x"
            + Web3.keccak(text=f"{demo.tag}:{plan.key}").hex().removeprefix("0x"),
            "tier": 6,
            "ai_consent_mask": plan.ai_consent_mask,
            "contributors": contributors,
        }
        if plan.model_name:
            body["model_name"] = plan.model_name
        track = demo.api.post("/v1/tracks", json=body, headers=demo.api.admin)
        demo.tracks[plan.key] = track
        shares = ", ".join(f"{c['address'][:10]}..={c['share']}" for c in track["contributors"])
        demo.line(
            f"track {track['track_id']} '{plan.title}' ({plan.disclosure}, AI consent mask "
            f"{plan.ai_consent_mask:#04x}) split {track['split_address']} [{shares}] "
            f"tx {track['registered_tx']}"
        )
    demo.line(
        f"the remix's split lists the original's split {demo.tracks['original']['split_address']} "
        "as a recipient: a nested split"
    )


def onboard_platforms(demo: Demo) -> None:
    demo.step("2. Platforms and their on-chain rate cards (POST /v1/platforms, operator)")
    for role, index, rates in (
        ("streaming", STREAMING, STREAMING_RATES),
        ("generator", GENERATOR, GENERATOR_RATES),
    ):
        name = ROLE_NAMES[index].split(" (")[0]
        address = demo.wallets.address(index)
        onboarded = demo.api.post(
            "/v1/platforms",
            json={
                "name": f"{name} {demo.tag}",
                "payer": address,
                "signing_address": address,
                "token": demo.token,
                "rates": [str(r) for r in rates],
                "declared_max_units_per_report": 1_000_000,
            },
            headers=demo.api.admin,
        )
        platform = onboarded["platform"]
        demo.platforms[role] = (int(platform["platform_id"]), str(onboarded["api_key"]))
        demo.line(
            f"platform {platform['platform_id']} {name}: rates {rates} (mUSD base units per unit "
            f"x 1e6, classes 0..5) tx {platform['registered_tx']}"
        )


def fund_escrows(demo: Demo) -> None:
    demo.step("3. Escrow deposits (UsageSettlement.deposit from each platform's wallet)")
    settlement_address = demo.deployment.usage_settlement
    for role, index in (("streaming", STREAMING), ("generator", GENERATOR)):
        platform_id = demo.platforms[role][0]
        musd = demo.musd(index)
        minted = musd.mint(demo.wallets.address(index), ESCROW)
        approved = musd.approve(settlement_address, ESCROW)
        settlement = UsageSettlementClient(
            demo.wallets.w3, settlement_address, demo.wallets.sender(index)
        )
        deposited = settlement.deposit(platform_id, ESCROW, token=demo.token)
        demo.line(
            f"platform {platform_id}: minted {ESCROW} mUSD (tx {tx_hash(minted)}), approved "
            f"(tx {tx_hash(approved)}), deposited {ESCROW} (tx {tx_hash(deposited)})"
        )
