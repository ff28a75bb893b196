"""Issue 11: recipient lists from logs alone (a registration through a contract wallet), and
payouts held for a recipient that cannot take them, withdrawn by its EIP-712 signature."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from web3 import Web3

from chain_client.compiler import Artifacts, compile_units, default_project_root
from chain_client.constants import NATIVE_TOKEN, SCALE
from chain_client.contracts import SplitFactoryClient, TrackRegistryClient, TrackSplitClient
from chain_client.contracts.split_factory import unpack_recipients
from chain_client.deploy import Deployment
from chain_client.errors import ChainClientError
from chain_client.merkle import recipients_root
from chain_client.sender import TransactionSender
from tests.conftest import FIRST_FREE_ACCOUNT

WALLET = "contracts/test/registry/ForwardingWallet.sol"
BLOCKLIST_TOKEN = "contracts/test/splits/helpers/BlocklistToken.sol"


@pytest.fixture(scope="module")
def test_artifacts() -> Artifacts:
    return compile_units(default_project_root(), [WALLET, BLOCKLIST_TOKEN])


@pytest.fixture(scope="module")
def fresh(deploy_fresh: Callable[..., Deployment]) -> Deployment:
    return deploy_fresh()


def _sorted(addresses: list[str]) -> list[str]:
    return sorted((Web3.to_checksum_address(a) for a in addresses), key=lambda a: int(a, 16))


def _deploy(
    sender: TransactionSender, artifacts: Artifacts, name: str, *args: Any
) -> ChecksumAddress:
    receipt = sender.deploy(artifacts.abi(name), artifacts.bytecode(name), *args)
    return Web3.to_checksum_address(receipt["contractAddress"])


def test_recipients_of_a_track_registered_through_a_contract_wallet(
    w3: Web3,
    fresh: Deployment,
    test_artifacts: Artifacts,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    owner = accounts[FIRST_FREE_ACCOUNT + 11]
    sender = sender_for(owner)
    wallet_address = _deploy(sender, test_artifacts, "ForwardingWallet", owner.address)
    wallet = w3.eth.contract(address=wallet_address, abi=test_artifacts.abi("ForwardingWallet"))
    registry = TrackRegistryClient(w3, fresh.track_registry)
    recipients = _sorted([accounts[i].address for i in (FIRST_FREE_ACCOUNT + 1, 15, 16)])
    shares = [500_000, 300_000, 200_000]
    salt = b"\x07" * 32
    predicted = registry.predict_split_address(wallet_address, recipients, shares, salt)

    # The wallet registers two tracks it controls in one multicall transaction.
    first = registry.register_track_calldata(
        wallet_address, recipients, shares, tier=4, salt=salt, settle_to_split=True
    )
    second = registry.register_track_calldata(
        wallet_address, recipients[:1], [SCALE], tier=2, salt=salt
    )
    receipt = sender.transact(
        wallet.functions.execute(
            [first.to, second.to], [bytes.fromhex(first.data[2:]), bytes.fromhex(second.data[2:])]
        )
    )
    events = registry.track_registered_events(int(receipt["blockNumber"]))
    assert [e.controller for e in events] == [wallet_address, wallet_address]
    assert events[0].split == predicted
    assert events[0].settle_to_split is True
    assert registry.track(events[0].track_id).settle_to_split is True
    assert events[1].settle_to_split is False

    # The calldata path cannot see inside the wallet's call; the logs can.
    with pytest.raises(ChainClientError, match="not sent to this TrackRegistry"):
        registry.recipients_from_tx(receipt["transactionHash"])
    listed = registry.split_recipients(events[0].split, fresh.deploy_block)
    assert listed.recipients == tuple(recipients)
    assert listed.shares == tuple(shares)
    assert registry.split_recipients(events[1].split).recipients == (recipients[0],)
    created = SplitFactoryClient(w3, fresh.split_factory).created_split(receipt)
    assert created.recipient_count == 3
    assert created.recipients_root == recipients_root(recipients, shares)


def test_split_recipients_rejects_an_address_that_is_not_a_split(
    w3: Web3, fresh: Deployment, accounts: list[LocalAccount]
) -> None:
    factory = SplitFactoryClient(w3, fresh.split_factory)
    with pytest.raises(ChainClientError, match="no SplitCreated event"):
        factory.split_recipients(accounts[0].address, fresh.deploy_block)


def test_unpack_recipients_reads_share_and_account_from_one_word() -> None:
    account = "0x00000000000000000000000000000000000000aB"
    listed = unpack_recipients([(250_000 << 160) | int(account, 16)])
    assert listed.recipients == (Web3.to_checksum_address(account),)
    assert listed.shares == (250_000,)


def test_a_held_payout_is_withdrawn_by_the_recipients_signature(
    w3: Web3,
    fresh: Deployment,
    test_artifacts: Artifacts,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> None:
    operator = sender_for(accounts[FIRST_FREE_ACCOUNT + 12])
    relayer = sender_for(accounts[FIRST_FREE_ACCOUNT + 10])
    blocked = accounts[FIRST_FREE_ACCOUNT + 9]
    wallet_address = _deploy(operator, test_artifacts, "ForwardingWallet", blocked.address)
    token_address = _deploy(operator, test_artifacts, "BlocklistToken")
    token = w3.eth.contract(address=token_address, abi=test_artifacts.abi("BlocklistToken"))
    factory = SplitFactoryClient(w3, fresh.split_factory, operator)
    recipients = _sorted([blocked.address, wallet_address])
    shares = [SCALE // 2, SCALE // 2]
    split_address = factory.created_split(factory.create_split(recipients, shares, salt=9)).split
    operator.transact(token.functions.mint(split_address, 2_000_000))
    operator.transact(token.functions.setBlocked(blocked.address, True))
    operator.send({"to": split_address, "value": 2 * 10**18})

    split = TrackSplitClient(w3, split_address, relayer)
    # the blocklisted EOA's token payout and the ETH-refusing wallet's payout are both held
    split.release_for(token_address, blocked.address, recipients, shares)
    split.release_for(NATIVE_TOKEN, wallet_address, recipients, shares)
    assert split.held(token_address, blocked.address) == 1_000_000
    assert split.held(NATIVE_TOKEN, wallet_address) == 10**18
    assert [e.args["account"] for e in split.payout_held_events(fresh.deploy_block)] == [
        blocked.address,
        wallet_address,
    ]

    # the EOA signs a withdrawal to a fresh address; a relayer sends it
    destination = accounts[FIRST_FREE_ACCOUNT + 8].address
    deadline = int(w3.eth.get_block("latest")["timestamp"]) + 3600
    signature = split.sign_withdraw_held(blocked, token_address, destination, deadline)
    split.withdraw_held_with_sig(token_address, blocked.address, destination, deadline, signature)
    assert token.functions.balanceOf(destination).call() == 1_000_000
    assert split.held(token_address, blocked.address) == 0
    assert split.nonce(blocked.address) == 1
    assert split.total_received(token_address) == 2_000_000
