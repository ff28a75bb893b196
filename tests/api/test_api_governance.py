"""GET /v1/governance/changes: UsageSettlement's queued, applied and cancelled changes, from
indexed chain events, with their arguments decoded (a fresh deployment on the session anvil)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import make_settings
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

from api.app import create_app, migrate_all
from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.indexer.runner import Indexer
from chain_client.contracts.usage_settlement import UsageSettlementClient
from chain_client.deploy import Deployment

RATES = [7, 0, 0, 0, 10**30 + 1, 0]


def test_governance_changes_are_listed_with_their_state_and_arguments(
    tmp_path: Path,
    w3: Web3,
    deploy_fresh: Callable[..., Deployment],
    deployer: LocalAccount,
    guardian: LocalAccount,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], Any],
    dev_chain: Any,
    dev_keys: list[str],
) -> None:
    deployment = deploy_fresh()
    owner = UsageSettlementClient(w3, deployment.usage_settlement, sender_for(deployer))
    owner.register_platform(accounts[6].address, deployment.mock_stablecoin, [1] * 6)
    applied = owner.queue_root_delay(120)
    cancelled = owner.queue_guardian(accounts[9].address)
    effective = owner.governance_delay() + int(w3.eth.get_block("latest")["timestamp"]) + 600
    pending = owner.queue_rates(1, RATES, effective)
    owner.govern(applied)
    UsageSettlementClient(w3, deployment.usage_settlement, sender_for(guardian)).cancel_change(
        cancelled.change_id
    )

    settings = make_settings(
        tmp_path, chain_id=dev_chain.chain_id, rpc_url=dev_chain.rpc_url, operator_key=dev_keys[0]
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'api.db'}")
    migrate_all(engine)
    gateway = ChainGateway(settings, w3=w3, deployment=deployment, sender_factory=sender_for)
    Indexer(engine, gateway).sync_to_head()
    app = create_app(settings, engine=engine, chain=gateway, run_migrations=False)
    with TestClient(app) as client:
        listed = client.get("/v1/governance/changes").json()
        only_queued = client.get("/v1/governance/changes", params={"status": "queued"}).json()
        refused = client.get("/v1/governance/changes", params={"status": "bogus"})
    engine.dispose()

    by_id = {c["change_id"]: c for c in listed["items"]}
    assert list(by_id) == [applied.change_id, cancelled.change_id, pending.change_id]
    assert by_id[applied.change_id]["status"] == "applied"
    assert by_id[applied.change_id]["kind"] == "root_delay"
    assert by_id[applied.change_id]["args"] == {"seconds": 120}
    assert by_id[applied.change_id]["applied_tx"].startswith("0x")
    assert by_id[cancelled.change_id]["status"] == "cancelled"
    assert by_id[cancelled.change_id]["cancelled_by"] == guardian.address
    assert by_id[cancelled.change_id]["args"] == {"guardian": accounts[9].address}
    rates = by_id[pending.change_id]
    assert (rates["status"], rates["kind"], rates["eta"]) == ("queued", "rates", pending.eta)
    assert rates["args"] == {
        "platform_id": 1,
        "rates": [str(r) for r in RATES],
        "effective_from": effective,
    }
    assert rates["data"] == "0x" + pending.data.hex()
    assert listed["pending"] == 1
    assert [c["change_id"] for c in only_queued["items"]] == [pending.change_id]
    assert refused.status_code == 422
