"""Step 6: the original's controller creates an edition; a collector buys two."""

from __future__ import annotations

import time

from chain_client.contracts import TrackEditionsClient
from royalties_system.demo.context import Demo
from royalties_system.demo.http import DemoError
from royalties_system.demo.story import ADA, COLLECTOR, EDITION_PRICE, EDITION_QUANTITY
from royalties_system.demo.wallets import tx_hash


def _wait_until_indexed(demo: Demo, edition_id: int, timeout: float = 60.0) -> None:
    """An edition created from a wallet reaches the API through the event indexer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            demo.api.get(f"/v1/editions/{edition_id}")
            return
        except DemoError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def sell_edition(demo: Demo) -> None:
    demo.step("6. Collectible edition of the original: created by Ada, bought by a collector")
    original = demo.tracks["original"]
    token = demo.sign_in(ADA)
    created = demo.api.post(
        "/v1/editions",
        json={
            "track_id": original["track_id"],
            "token": demo.token,
            "price": str(EDITION_PRICE),
            "max_supply": 100,
            "sale_start": 0,
            "royalty_bps": 500,
        },
        headers=demo.api.bearer(token),
    )
    editions = TrackEditionsClient(demo.wallets.w3, demo.deployment.track_editions)
    if created.get("transaction"):
        receipt = demo.wallets.send_prepared(ADA, created["transaction"])
        created_tx = tx_hash(receipt)
        (event,) = editions.events_in_receipt(receipt, "EditionCreated")
        edition_id = int(event.args["editionId"])
    elif created.get("edition"):
        edition_id, created_tx = int(created["edition"]["edition_id"]), created["tx_hash"]
    else:
        raise DemoError(
            f"POST /v1/editions answered neither a transaction nor an edition: {created}"
        )
    demo.line(
        f"edition {edition_id} of track {original['track_id']}: {EDITION_PRICE} mUSD base units "
        f"each, EIP-2981 royalty 5% to split {original['split_address']} "
        f"(Ada signed tx {created_tx})"
    )
    _wait_until_indexed(demo, edition_id)
    buyer = demo.wallets.address(COLLECTOR)
    amount = EDITION_PRICE * EDITION_QUANTITY
    minted = demo.musd(COLLECTOR).mint(buyer, amount)
    demo.line(f"collector {buyer} minted {amount} mUSD (tx {tx_hash(minted)})")
    plan = demo.api.post(
        f"/v1/editions/{edition_id}/purchase-transactions",
        json={"buyer": buyer, "quantity": EDITION_QUANTITY},
    )
    for prepared in plan["transactions"]:
        receipt = demo.wallets.send_prepared(COLLECTOR, prepared)
        demo.line(f"collector sent {prepared['to']} {prepared['data'][:10]} tx {tx_hash(receipt)}")
    owned = editions.balance_of(buyer, edition_id)
    demo.line(
        f"collector holds {owned} of edition {edition_id}; {plan['amount']} mUSD went straight "
        "to the original's split"
    )
