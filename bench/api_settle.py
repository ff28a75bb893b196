"""The contributor's earnings for the API bench, settled the way production settles them.

A platform is onboarded through the API and funds its escrow on chain, sends one signed JSON
usage report for the contributor's tracks through the API, and one real epoch (the oracle's
runner, posting to anvil) settles it. The dashboard, claimable and proof reads then serve an
epoch's real account leaves, data file and stored tree levels, not seeded totals.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STREAMS_PER_TRACK = 1_000
ESCROW_WEI = 10**18
RATE = 10**15  # wei per stream x 1e6 on every class


def settle_contributor_usage(
    base: str,
    w3: Any,
    platform_key: str,
    oracle_key: str,
    settings: dict[str, Any],
    tracks: list[tuple[int, str]],
    http: Any,
    admin_token: str,
) -> int:
    """Onboards a platform, reports `STREAMS_PER_TRACK` streams on each track and settles one
    epoch. Returns the epoch posted. `settings` names database_url, data_dir, rpc_url, chain_id
    and settlement_address, as the API's process has them."""
    from eth_account import Account

    from chain_client.compiler import compile_contracts
    from oracle.epoch.wiring import build_runner
    from oracle.settings import OracleSettings
    from royalties_system.demo.reports import signed_json

    payer = Account.from_key(platform_key).address
    status, body = http(
        "POST",
        f"{base}/v1/platforms",
        admin_token,
        {
            "name": "BenchStream",
            "payer": payer,
            "signing_address": payer,
            "token": "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE",
            "rates": [str(RATE)] * 6,
            "declared_max_units_per_report": 10**9,
        },
    )
    if status != 201:
        raise RuntimeError(f"onboarding the bench platform failed: {status} {body[:500]!r}")
    onboarded = json.loads(body)
    platform_id, api_key = int(onboarded["platform"]["platform_id"]), str(onboarded["api_key"])

    settlement = w3.eth.contract(
        address=settings["settlement_address"], abi=compile_contracts().abi("UsageSettlement")
    )
    deposit = settlement.functions.deposit(platform_id, ESCROW_WEI).build_transaction(
        {"from": payer, "value": ESCROW_WEI}
    )
    w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction(deposit))

    lines: list[dict[str, object]] = [
        {"track": track_id, "usage_class": 0, "units": STREAMS_PER_TRACK} for track_id, _ in tracks
    ]
    now = int(w3.eth.get_block("latest")["timestamp"])
    report = signed_json(
        platform_key,
        report_id="bench-week-1",
        platform_id=platform_id,
        period=(now, now + 1),  # after the tracks' registration: their consent starts there
        lines=lines,
        chain_id=settings["chain_id"],
        settlement=settings["settlement_address"],
    )
    status, body = http("POST", f"{base}/v1/platforms/{platform_id}/reports", api_key, report)
    if status != 200:
        raise RuntimeError(f"the bench report was not accepted: {status} {body[:500]!r}")

    oracle = OracleSettings(
        database_url=settings["database_url"],
        data_dir=Path(settings["data_dir"]),
        rpc_url=settings["rpc_url"],
        chain_id=settings["chain_id"],
        settlement_address=settings["settlement_address"],
        node_key=oracle_key,
        confirmations=0,
    )
    setup = build_runner(oracle)
    try:
        outcome = setup.runner.run_once()
    finally:
        setup.close()
    if outcome.status != "posted":
        raise RuntimeError(f"the bench epoch did not post: {outcome}")
    return int(outcome.epoch)
