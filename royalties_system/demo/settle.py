"""Step 5: the oracle worker settles an epoch; the demo waits for it and shows the root."""

from __future__ import annotations

import time

from chain_client.contracts import UsageSettlementClient
from royalties_system.demo.context import Demo
from royalties_system.demo.http import DemoError
from royalties_system.demo.story import debits_per_platform


def wait_for_settlement(demo: Demo, timeout: float) -> None:
    demo.step("5. Epoch: the oracle worker posts a k-of-n signed Merkle root (waiting for it)")
    deadline = time.monotonic() + timeout
    while True:
        owed = {
            role: int(
                demo.api.get(f"/v1/platforms/{pid}/balance", headers=demo.api.bearer(key))["owed"]
            )
            for role, (pid, key) in demo.platforms.items()
        }
        if not any(owed.values()):
            break
        if time.monotonic() > deadline:
            raise DemoError(
                f"no epoch settled the reports within {timeout:.0f}s (still owed {owed}); "
                "is the oracle worker running? (EPOCH_INTERVAL)"
            )
        time.sleep(1.0)
    settlement = UsageSettlementClient(demo.wallets.w3, demo.deployment.usage_settlement)
    expected = debits_per_platform()
    debited: dict[int, int] = {}
    for event in settlement.events("PlatformDebited", demo.start_block, "latest"):
        pid = int(event.args["platformId"])
        debited[pid] = debited.get(pid, 0) + int(event.args["amount"])
    for event in settlement.root_posted_events(demo.start_block):
        demo.line(
            f"epoch {event.args['epoch']} root 0x{bytes(event.args['root']).hex()} "
            f"data file hash 0x{bytes(event.args['dataHash']).hex()} tx {event.transaction_hash}"
        )
    for role, (pid, _key) in demo.platforms.items():
        ok = debited.get(pid, 0) == expected[role]
        demo.line(
            f"platform {pid} ({role}) debited {debited.get(pid, 0)} mUSD base units; computed "
            f"from rates x units: {expected[role]} {'OK' if ok else 'MISMATCH'}"
        )
        if not ok:
            raise DemoError(f"platform {pid} debit {debited.get(pid, 0)} != {expected[role]}")
