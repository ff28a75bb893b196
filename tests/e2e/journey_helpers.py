"""What the journeys do over HTTP and on chain, written as a client would: sign-in messages
built by hand (EIP-4361) and signed with eth_account, transactions signed locally."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct
from hexbytes import HexBytes
from live_system import ADMIN_TOKEN, LiveSystem
from web3 import Web3

from chain_client.eip712 import UsageReport, sign_usage_report
from oracle.intake.json_report import canonical_lines_hash

UNIT = 10**6  # micro-units per unit
RATE_SCALE = 10**6
T = TypeVar("T")


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.url}: {response.text}"
    return response.json()


def amount_of(micro_units: int, rate: int) -> int:
    """The settlement rule: floor(cumulative micro-units x rate / (1e6 x 1e6))."""
    return micro_units * rate // (UNIT * RATE_SCALE)


def share_of(amount: int, share: int) -> int:
    return amount * share // 1_000_000


def siwe_text(system: LiveSystem, address: str, nonce: str) -> str:
    """An EIP-4361 message, written out line by line (no SIWE library on the client side)."""
    host = system.api_url.removeprefix("http://")
    now = datetime.now(UTC)
    return "\n".join(
        [
            f"{host} wants you to sign in with your Ethereum account:",
            address,
            "",
            "Sign in to see my royalties.",
            "",
            f"URI: {system.api_url}",
            "Version: 1",
            f"Chain ID: {system.chain_id}",
            f"Nonce: {nonce}",
            f"Issued At: {now.strftime('%Y-%m-%dT%H:%M:%SZ')}",
            f"Expiration Time: {(now + timedelta(minutes=10)).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        ]
    )


def sign_in(client: httpx.Client, system: LiveSystem, key: str) -> str:
    address = Account.from_key(key).address
    nonce = ok(client.post("/v1/auth/nonce"), 201)["nonce"]
    text = siwe_text(system, address, nonce)
    signature = Account.sign_message(encode_defunct(text=text), private_key=key).signature
    session = ok(
        client.post("/v1/auth/siwe", json={"message": text, "signature": "0x" + signature.hex()})
    )
    assert session["address"] == address
    token: str = session["token"]
    return token


def send(w3: Web3, key: str, to: str, data: str = "0x", value: int = 0) -> Any:
    """Signs locally and sends; returns the receipt (status 1 asserted)."""
    account = Account.from_key(key)
    tx: dict[str, Any] = {
        "from": account.address,
        "to": Web3.to_checksum_address(to),
        "data": data,
        "value": value,
        "nonce": w3.eth.get_transaction_count(account.address),
        "chainId": w3.eth.chain_id,
    }
    tx["gas"] = w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
    tx["maxFeePerGas"] = 2 * w3.eth.get_block("latest")["baseFeePerGas"] + 10**9
    tx["maxPriorityFeePerGas"] = 10**9
    signed = Account.sign_transaction(tx, key)
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction)
    )
    assert receipt["status"] == 1, receipt
    return receipt


def send_call(w3: Web3, key: str, function: Any, value: int = 0) -> Any:
    to = function.address
    data = function._encode_transaction_data()
    return send(w3, key, to, data, value)


def signed_report(
    system: LiveSystem,
    key: str,
    *,
    report_id: str,
    platform_id: int,
    lines: list[dict[str, Any]],
    period: tuple[int, int],
) -> dict[str, Any]:
    """A JSON usage report with the platform's EIP-712 signature inside."""
    report = UsageReport(
        report_id=report_id,
        platform_id=platform_id,
        period_start=period[0],
        period_end=period[1],
        format=0,
        content_hash=bytes(HexBytes(canonical_lines_hash(lines))),
    )
    signature = sign_usage_report(
        key,
        report,
        chain_id=system.chain_id,
        verifying_contract=system.deployment.usage_settlement,
    )
    return {
        "report_id": report_id,
        "platform_id": platform_id,
        "chain_id": system.chain_id,
        "period_start": period[0],
        "period_end": period[1],
        "lines": lines,
        "signature": "0x" + bytes(signature).hex(),
    }


def wait_for(
    what: str, probe: Callable[[], T | None], system: LiveSystem, timeout: float = 120
) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        system.check_alive()
        value = probe()
        if value is not None:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}\nworker:\n{system.worker.log_tail()}")


def wait_settled(
    client: httpx.Client,
    system: LiveSystem,
    platform_id: int,
    report_id: str,
    api_key: str,
    reader: tuple[str, str],
) -> int:
    """Waits until the worker has posted the epoch settling this report (the platform's report
    status) and confirmed it (the dashboard of `reader` = (address, session token))."""

    def settled_epoch() -> int | None:
        path = f"/v1/platforms/{platform_id}/reports/{report_id}"
        versions = ok(client.get(path, headers=bearer(api_key)))["versions"]
        epoch = versions[-1]["settled_epoch"]
        return int(epoch) if epoch is not None else None

    epoch = wait_for(f"report {report_id} to settle", settled_epoch, system)
    address, token = reader

    def confirmed() -> int | None:
        path = f"/v1/contributors/{address}/dashboard"
        last = int(ok(client.get(path, headers=bearer(token)))["last_settled_epoch"])
        return last if last >= epoch else None

    wait_for(f"epoch {epoch} to be confirmed", confirmed, system)
    return epoch


def chain_now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])
