"""Deployment records, wrapper reads, calldata for the user's own wallet, and event readers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.constants import NATIVE_TOKEN, TIER_MASKS
from chain_client.contracts import (
    ERC20Client,
    SplitFactoryClient,
    TrackEditionsClient,
    TrackRegistryClient,
    UsageSettlementClient,
)
from chain_client.deploy import Deployment, deployment_is_live, load_or_deploy
from chain_client.errors import ChainClientError, ContractRevert, DeploymentError
from chain_client.sender import TransactionSender
from tests.conftest import FIRST_FREE_ACCOUNT, ORACLE_THRESHOLD


def test_deployment_is_wired_as_asked(
    w3: Web3,
    deployment: Deployment,
    deployer: LocalAccount,
    guardian: LocalAccount,
    minter: LocalAccount,
    oracle_accounts: list[LocalAccount],
) -> None:
    settlement = UsageSettlementClient(w3, deployment.usage_settlement)
    assert settlement.owner() == deployer.address
    assert settlement.guardian() == guardian.address
    assert settlement.signers() == sorted(
        (a.address for a in oracle_accounts), key=lambda a: int(a, 16)
    )
    assert settlement.threshold() == ORACLE_THRESHOLD
    editions = TrackEditionsClient(w3, deployment.track_editions)
    assert editions.has_minter_role(minter.address)
    assert not editions.has_minter_role(deployer.address)
    assert editions.registry() == deployment.track_registry
    registry = TrackRegistryClient(w3, deployment.track_registry)
    assert registry.split_factory() == deployment.split_factory
    assert SplitFactoryClient(w3, deployment.split_factory).implementation() == (
        deployment.split_implementation
    )
    assert [registry.tier_mask(t) for t in TIER_MASKS] == list(TIER_MASKS.values())
    assert ERC20Client(w3, deployment.mock_stablecoin).decimals() == 6


def test_deployment_record_round_trip_and_reuse(
    w3: Web3, deployment: Deployment, deployer: LocalAccount, tmp_path: Path
) -> None:
    assert Deployment.from_json(deployment.to_json()) == deployment
    path = tmp_path / "deployment.json"
    deployment.save(path)
    assert deployment_is_live(w3, deployment)

    reused = load_or_deploy(
        w3, path, deployer, guardian=deployer.address, oracle_signers=[], threshold=1
    )

    assert reused == deployment  # nothing was deployed: empty signers would have failed
    stale = Deployment.from_json(deployment.to_json().replace(str(deployment.chain_id), "999", 1))
    assert not deployment_is_live(w3, stale)
    with pytest.raises(DeploymentError, match="malformed"):
        Deployment.from_json('{"chain_id": 1}')


def test_bad_deploy_arguments_are_named(
    w3: Web3, deploy_fresh: Callable[..., Deployment], deployer: LocalAccount
) -> None:
    with pytest.raises(DeploymentError, match="threshold 4"):
        deploy_fresh(threshold=4)
    with pytest.raises(DeploymentError, match="at least one oracle signer"):
        deploy_fresh(oracle_signers=[])


def test_calldata_sent_from_the_users_own_wallet(
    w3: Web3,
    deployment: Deployment,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    """The API hands out calldata; the user's wallet (here a plain sender) signs and sends it."""
    user = accounts[FIRST_FREE_ACCOUNT + 13]
    registry = TrackRegistryClient(w3, deployment.track_registry)  # read-only: no sender
    calldata = registry.register_track_calldata(user.address, [user.address], [1_000_000], tier=2)
    assert calldata.to == deployment.track_registry

    receipt = sender_for(user).send_raw(calldata.as_dict())

    track = registry.registered_track(receipt)
    assert registry.track(track.track_id).controller == user.address
    assert registry.recipients_from_tx(receipt["transactionHash"]).recipients == (user.address,)
    with pytest.raises(ChainClientError, match="without a TransactionSender"):
        registry.set_tier(track.track_id, 3)


def test_event_readers_chunk_block_ranges(
    w3: Web3,
    deploy_fresh: Callable[..., Deployment],
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    fresh = deploy_fresh()
    controller = accounts[FIRST_FREE_ACCOUNT + 12]
    registry = TrackRegistryClient(w3, fresh.track_registry, sender_for(controller))
    for tier in (1, 2, 3, 4, 5):
        registry.register_track(controller.address, [controller.address], [1_000_000], tier=tier)

    events = registry.events("TrackRegistered", fresh.deploy_block, chunk_size=2)
    assert [e.args["trackId"] for e in events] == [1, 2, 3, 4, 5]
    assert [t.tier for t in registry.track_registered_events(fresh.deploy_block)] == [1, 2, 3, 4, 5]
    everything = registry.all_events(fresh.deploy_block, chunk_size=3)
    assert [e.name for e in everything].count("TrackRegistered") == 5
    assert all(e.address == fresh.track_registry for e in everything)
    factory = SplitFactoryClient(w3, fresh.split_factory)
    assert len(factory.split_created_events(fresh.deploy_block)) == 5


def test_reads_decode_reverts(w3: Web3, deployment: Deployment) -> None:
    registry = TrackRegistryClient(w3, deployment.track_registry)
    with pytest.raises(ContractRevert) as raised:
        registry.track(10_000)
    assert raised.value.error_name == "UnknownTrack"
    assert raised.value.args == (10_000,)


def test_eth_escrow_deposit_sends_value(
    w3: Web3,
    deploy_fresh: Callable[..., Deployment],
    deployer: LocalAccount,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    fresh = deploy_fresh()
    payer = accounts[FIRST_FREE_ACCOUNT + 11]
    owner = UsageSettlementClient(w3, fresh.usage_settlement, sender_for(deployer))
    platform_id = owner.registered_platform_id(
        owner.register_platform(payer.address, NATIVE_TOKEN, [1, 2, 3, 4, 5, 6])
    )
    UsageSettlementClient(w3, fresh.usage_settlement, sender_for(payer)).deposit(platform_id, 12345)

    info = owner.platform(platform_id)
    assert (info.payer, info.token, info.rates, info.escrow) == (
        payer.address,
        NATIVE_TOKEN,
        (1, 2, 3, 4, 5, 6),
        12345,
    )
    assert w3.eth.get_balance(fresh.usage_settlement) == 12345
    with pytest.raises(ValueError, match="6 rates"):
        owner.set_rates(platform_id, [1, 2])
