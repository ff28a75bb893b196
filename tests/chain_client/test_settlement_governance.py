"""UsageSettlement governance through chain_client: queued changes, guardian cancel, rate history.

A fresh deployment with a 60-second withdrawal notice and no root delay, so the governance delay
(root delay + withdrawal notice) is 60 seconds and waiting it out moves the shared anvil little.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.contracts import ChangeKind, UsageSettlementClient
from chain_client.deploy import Deployment
from chain_client.errors import ContractRevert
from chain_client.sender import TransactionSender
from tests.conftest import FIRST_FREE_ACCOUNT

NOTICE = 60


@pytest.fixture(scope="module")
def fresh(deploy_fresh: Callable[..., Deployment]) -> Deployment:
    return deploy_fresh(withdrawal_delay=NOTICE)


def test_changes_are_queued_cancelled_and_applied(
    w3: Web3,
    fresh: Deployment,
    deployer: LocalAccount,
    guardian: LocalAccount,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    owner = UsageSettlementClient(w3, fresh.usage_settlement, sender_for(deployer))
    assert owner.governance_delay() == NOTICE
    newcomer = accounts[FIRST_FREE_ACCOUNT + 12].address

    queued = owner.queue_signers([newcomer], 1)
    assert queued.kind is ChangeKind.SIGNERS
    with pytest.raises(ContractRevert) as early:
        owner.apply_change(queued)
    assert early.value.error_name == "ChangeNotReady"

    UsageSettlementClient(w3, fresh.usage_settlement, sender_for(guardian)).cancel_change(
        queued.change_id
    )
    assert owner.queued_change(queued.change_id) == (b"\x00" * 32, 0)
    assert not owner.is_signer(newcomer)

    owner.govern(owner.queue_signers([newcomer], 1))  # anvil: time moves to the eta
    assert owner.signers() == [newcomer]
    assert owner.config_version() == 2
    owner.set_root_delay(30)  # the former setter's name: queue + govern
    assert owner.root_delay() == 30
    assert owner.governance_delay() == NOTICE + 30


def test_rates_take_effect_from_a_timestamp(
    w3: Web3,
    fresh: Deployment,
    deployer: LocalAccount,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    owner = UsageSettlementClient(w3, fresh.usage_settlement, sender_for(deployer))
    assert owner.registrar() == deployer.address
    payer = accounts[FIRST_FREE_ACCOUNT + 13].address
    platform_id = owner.registered_platform_id(
        owner.register_platform(payer, fresh.mock_stablecoin, [1, 2, 3, 4, 5, 6])
    )
    before = int(w3.eth.get_block("latest")["timestamp"])
    owner.set_rates(platform_id, [10, 20, 30, 40, 50, 60])
    cards = owner.rate_cards(platform_id)
    assert [c.rates for c in cards] == [(1, 2, 3, 4, 5, 6), (10, 20, 30, 40, 50, 60)]
    assert cards[0].effective_from == 0
    assert cards[1].effective_from > before
    assert owner.rates_at(platform_id, before) == (1, 2, 3, 4, 5, 6)
    assert owner.rates_at(platform_id, cards[1].effective_from - 1) == (1, 2, 3, 4, 5, 6)
    assert owner.platform(platform_id).rates == (10, 20, 30, 40, 50, 60)  # now in force
    assert [e.args["effectiveFrom"] for e in owner.rates_changed_events(fresh.deploy_block)] == [
        cards[1].effective_from
    ]
