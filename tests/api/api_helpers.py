"""Helpers shared by the API tests: SIWE sign-in with anvil's well-known dev keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from eth_account import Account
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient
from siwe import SiweMessage

# anvil's well-known development keys (accounts #5..#7): test ETH only.
DEV_KEYS = (
    "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
)
ADMIN_TOKEN = "test-admin-token-0123456789"


def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def siwe_message(
    address: str,
    nonce: str,
    *,
    domain: str = "localhost:8000",
    chain_id: int = 31337,
    expires_in: timedelta = timedelta(minutes=5),
) -> str:
    now = datetime.now(UTC)
    message = SiweMessage(
        domain=domain,
        address=address,
        statement="Sign in to AI Music Royalties.",
        uri="http://localhost:8000",
        version="1",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=now.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        expiration_time=(now + expires_in).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    )
    return message.prepare_message()


def sign_text(key: str, text: str) -> str:
    signed = Account.sign_message(encode_defunct(text=text), private_key=key)
    return "0x" + signed.signature.hex().removeprefix("0x")


def sign_in(client: TestClient, key: str, **message_options: object) -> str:
    """Signs in the wallet of `key`; returns its session token."""
    address = Account.from_key(key).address
    nonce = client.post("/v1/auth/nonce").json()["nonce"]
    text = siwe_message(address, nonce, **message_options)  # type: ignore[arg-type]
    response = client.post(
        "/v1/auth/siwe", json={"message": text, "signature": sign_text(key, text)}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def address_of(key: str) -> str:
    return str(Account.from_key(key).address)


def track_body(
    controller: str, contributors: list[tuple[str, int]], **overrides: object
) -> dict[str, object]:
    body: dict[str, object] = {
        "controller": controller,
        "title": "Neon Rain",
        "ai_disclosure": "ai_assisted",
        "model_name": "musicgen-large",
        "content_hash": "0x" + "ab" * 32,
        "tier": 5,
        "ai_consent_mask": 16,
        "contributors": [{"address": a, "share": s} for a, s in contributors],
    }
    body.update(overrides)
    return body


def signed_json_report(
    key: str,
    *,
    report_id: str,
    platform_id: int,
    chain_id: int,
    settlement: str,
    lines: list[dict[str, object]],
    period: tuple[int, int] = (1_700_000_000, 1_700_086_400),
) -> dict[str, object]:
    """A JSON usage report signed (EIP-712 UsageReport) by `key`."""
    from hexbytes import HexBytes

    from chain_client.eip712 import UsageReport, sign_usage_report
    from oracle.intake.json_report import canonical_lines_hash

    report = UsageReport(
        report_id=report_id,
        platform_id=platform_id,
        period_start=period[0],
        period_end=period[1],
        format=0,
        content_hash=bytes(HexBytes(canonical_lines_hash(lines))),
    )
    signature = sign_usage_report(key, report, chain_id=chain_id, verifying_contract=settlement)
    return {
        "report_id": report_id,
        "platform_id": platform_id,
        "chain_id": chain_id,
        "period_start": period[0],
        "period_end": period[1],
        "lines": lines,
        "signature": "0x" + bytes(signature).hex(),
    }


def run_epoch(settings: Any, settlement: str, node_key: str) -> Any:
    """One epoch on the API's store (`settings`: its ApiSettings) signed by `node_key`."""
    from oracle.epoch.wiring import build_runner
    from oracle.settings import OracleSettings

    oracle = OracleSettings(
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        rpc_url=settings.rpc_url,
        chain_id=settings.chain_id,
        settlement_address=settlement,
        node_key=node_key,
        confirmations=0,
    )
    setup = build_runner(oracle)
    try:
        return setup.runner.run_once()
    finally:
        setup.close()
