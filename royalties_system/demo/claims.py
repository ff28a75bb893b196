"""Step 7: contributors claim: gasless through the API (SIWE), from their own wallet, and the
remix's split passes the original's share up the nested split."""

from __future__ import annotations

import time

from chain_client.contracts import TrackSplitClient
from royalties_system.demo.context import Demo
from royalties_system.demo.http import DemoError
from royalties_system.demo.story import ADA, BO, CY, DEE, EVE, FAY, ROLE_NAMES, TRACKS
from royalties_system.demo.wallets import tx_hash


def _this_run(demo: Demo, index: int) -> list[int]:
    """Claims only this run's tracks, so earlier runs' leftovers do not blur the check."""
    return [int(demo.tracks[p.key]["track_id"]) for p in TRACKS if index in dict(p.shares)]


def relayed_claim(demo: Demo, index: int) -> None:
    address = demo.wallets.address(index)
    token = demo.sign_in(index)
    claimable = demo.api.get(
        f"/v1/contributors/{address}/claimable", headers=demo.api.bearer(token)
    )
    ids = _this_run(demo, index)
    due = sum(
        int(line["total"])
        for line in claimable["lines"]
        if line["track_id"] in ids and line["token"] == demo.token
    )
    headers = {**demo.api.bearer(token), "Idempotency-Key": f"demo-{demo.tag}-{index}"}
    for attempt in range(1, 4):
        try:
            claim = demo.api.post(
                f"/v1/contributors/{address}/claims",
                json={"token": demo.token, "track_ids": ids},
                headers=headers,
            )
            break
        except DemoError as exc:
            # A claim is recorded before it is sent; the same Idempotency-Key resumes it.
            if exc.status is None or exc.status < 500 or attempt == 3:
                raise
            demo.line(f"{ROLE_NAMES[index]}: claim answered {exc.status}; retrying, same key")
            time.sleep(1.0)
    demo.line(
        f"{ROLE_NAMES[index]}: claimable {due}; relayed "
        f"claim {claim['status']}: pulls {claim['pull_tx_hashes']} releaseMany {claim['tx_hash']} "
        "(gas paid by the relayer)"
    )


def own_wallet_claim(demo: Demo, index: int) -> None:
    address = demo.wallets.address(index)
    token = demo.sign_in(index)
    calldata = demo.api.post(
        f"/v1/contributors/{address}/claims/calldata",
        json={"token": demo.token, "track_ids": _this_run(demo, index)},
        headers=demo.api.bearer(token),
    )
    for prepared in calldata["transactions"]:
        receipt = demo.wallets.send_prepared(index, prepared)
        demo.line(
            f"{ROLE_NAMES[index]}: sent {prepared['to']} {prepared['data'][:10]} from own wallet "
            f"(like `cast send`) tx {tx_hash(receipt)}"
        )


def pass_remix_share_up(demo: Demo) -> None:
    """Anyone may call release(token, account, share, proof); here it pays the original's split."""
    remix = demo.tracks["remix"]
    original_split = demo.tracks["original"]["split_address"]
    plan = next(p for p in TRACKS if p.key == "remix")
    recipients = [c["address"] for c in remix["contributors"]]
    shares = [int(c["share"]) for c in remix["contributors"]]
    order = sorted(range(len(recipients)), key=lambda i: int(recipients[i], 16))
    split = TrackSplitClient(demo.wallets.w3, remix["split_address"], demo.wallets.sender(CY))
    receipt = split.release_for(
        demo.token, original_split, [recipients[i] for i in order], [shares[i] for i in order]
    )
    released = split.released(demo.token, original_split)
    demo.line(
        f"remix split {remix['split_address']} released {released} mUSD to the original's split "
        f"{original_split} ({dict(plan.shares)['original']} of 1e6) tx {tx_hash(receipt)}"
    )


def claim_all(demo: Demo) -> None:
    demo.step("7. Claims")
    relayed_claim(demo, CY)  # pulls the remix's settlement into its split first
    pass_remix_share_up(demo)
    relayed_claim(demo, ADA)
    own_wallet_claim(demo, BO)
    for index in (DEE, EVE, FAY):
        relayed_claim(demo, index)
