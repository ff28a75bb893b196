"""Step 8: final balances, checked against the amounts the demo computes from rates and shares."""

from __future__ import annotations

from royalties_system.demo.context import Demo
from royalties_system.demo.http import DemoError
from royalties_system.demo.story import (
    ADA,
    BO,
    CY,
    DEE,
    EVE,
    FAY,
    ROLE_NAMES,
    expected_payouts,
    settled_per_track,
)

CONTRIBUTORS = (ADA, BO, CY, DEE, EVE, FAY)


def snapshot(demo: Demo) -> dict[int, int]:
    musd = demo.musd()
    return {i: musd.balance_of(demo.wallets.address(i)) for i in CONTRIBUTORS}


def check_balances(demo: Demo, before: dict[int, int]) -> None:
    demo.step("8. Money trail: final balances vs amounts computed from rates and shares")
    for key, amount in settled_per_track().items():
        demo.line(f"track {demo.tracks[key]['track_id']} ({key}) settled {amount} mUSD base units")
    after = snapshot(demo)
    expected = expected_payouts()
    wrong = []
    for index in CONTRIBUTORS:
        got = after[index] - before[index]
        want = expected.get(index, 0)
        mark = "OK" if got == want else "MISMATCH"
        demo.line(
            f"{ROLE_NAMES[index]:<58} {demo.wallets.address(index)} +{got} (expected {want}) {mark}"
        )
        if got != want:
            wrong.append(ROLE_NAMES[index])
    fay = demo.wallets.address(FAY)
    dashboard = demo.api.get(
        f"/v1/contributors/{fay}/dashboard", headers=demo.api.bearer(demo.sign_in(FAY))
    )
    optout_id = int(demo.tracks["optout"]["track_id"])
    for line in dashboard["tracks"]:
        if int(line["track_id"]) == optout_id:
            accrued = sum(int(e["accrued"]) for e in line["earnings"])
            demo.line(
                f"Fay's opted-out track {optout_id}: accrued {accrued} (its AI generations are "
                "quarantined, not paid)"
            )
            if accrued:
                wrong.append("opted-out track earned")
    if wrong:
        raise DemoError(f"balances differ from the computed amounts: {', '.join(wrong)}")
    demo.line("every balance matches the amounts computed from the rate cards and split shares")
