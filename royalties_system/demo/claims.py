"""Step 7: contributors claim. Settlement pays accounts: one claim pays a contributor from every
track that reaches it (the remix pays the original's artists through the nested split without
any transaction of theirs). Gasless through the API (SIWE), from their own wallet with the
API's calldata, and with nothing but the proof endpoint and a raw `claim` transaction."""

from __future__ import annotations

import time

from chain_client.contracts import ClaimRequest, UsageSettlementClient
from royalties_system.demo.context import Demo
from royalties_system.demo.http import DemoError
from royalties_system.demo.story import ADA, BO, CY, DEE, EVE, FAY, ROLE_NAMES
from royalties_system.demo.wallets import tx_hash


def _due(demo: Demo, index: int, token: str) -> str:
    address = demo.wallets.address(index)
    claimable = demo.api.get(
        f"/v1/contributors/{address}/claimable", headers=demo.api.bearer(token)
    )
    return str(claimable["per_token"].get(demo.token, "0"))


def relayed_claim(demo: Demo, index: int) -> None:
    address = demo.wallets.address(index)
    token = demo.sign_in(index)
    due = _due(demo, index, token)
    headers = {**demo.api.bearer(token), "Idempotency-Key": f"demo-{demo.tag}-{index}"}
    for attempt in range(1, 4):
        try:
            claim = demo.api.post(
                f"/v1/contributors/{address}/claims", json={"token": demo.token}, headers=headers
            )
            break
        except DemoError as exc:
            # A claim is recorded before it is sent; the same Idempotency-Key resumes it.
            if exc.status is None or exc.status < 500 or attempt == 3:
                raise
            demo.line(f"{ROLE_NAMES[index]}: claim answered {exc.status}; retrying, same key")
            time.sleep(1.0)
    demo.line(
        f"{ROLE_NAMES[index]}: claimable {due}; relayed claim {claim['status']}: "
        f"tx {' then '.join(claim['tx_hashes']) or '-'} (gas paid by the relayer)"
    )


def own_wallet_claim(demo: Demo, index: int) -> None:
    address = demo.wallets.address(index)
    token = demo.sign_in(index)
    calldata = demo.api.post(
        f"/v1/contributors/{address}/claims/calldata",
        json={"token": demo.token},
        headers=demo.api.bearer(token),
    )
    for prepared in calldata["transactions"]:
        receipt = demo.wallets.send_prepared(index, prepared)
        demo.line(
            f"{ROLE_NAMES[index]}: sent {prepared['to']} {prepared['data'][:10]} from own wallet "
            f"(like `cast send`) tx {tx_hash(receipt)}"
        )


def proof_only_claim(demo: Demo, index: int) -> None:
    """The public proof endpoint and one `claim` call: no session, anyone may send it."""
    address = demo.wallets.address(index)
    leaf = demo.api.get(f"/v1/settlement/proof/{address}", params={"token": demo.token})
    settlement = UsageSettlementClient(
        demo.wallets.w3, demo.deployment.usage_settlement, demo.wallets.sender(index)
    )
    receipt = settlement.claim(
        ClaimRequest(
            account=leaf["account"],
            token=leaf["token"],
            cumulative_amount=int(leaf["cumulativeAmount"]),
            proof=[bytes.fromhex(p.removeprefix("0x")) for p in leaf["proof"]],
        )
    )
    demo.line(
        f"{ROLE_NAMES[index]}: claim(account, token, {leaf['cumulativeAmount']}, proof) against "
        f"epoch {leaf['epoch']}'s root from the public proof endpoint, tx {tx_hash(receipt)}"
    )


def claim_all(demo: Demo) -> None:
    demo.step("7. Claims: one settlement claim per contributor pays every track they earn on")
    relayed_claim(demo, CY)
    relayed_claim(demo, ADA)  # the original, the remix's half through the nested split, sales
    own_wallet_claim(demo, BO)
    proof_only_claim(demo, DEE)
    for index in (EVE, FAY):
        relayed_claim(demo, index)
