"""The Python split recipients tree against SplitFactory.recipientsRoot and TrackSplit proofs."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain_client.compiler import Artifacts
from chain_client.constants import NATIVE_TOKEN, SCALE
from chain_client.contracts import SplitFactoryClient, TrackSplitClient
from chain_client.merkle import recipients_proof, recipients_root
from chain_client.sender import TransactionSender
from tests.conftest import FIRST_FREE_ACCOUNT


@pytest.fixture(scope="module")
def factory(
    w3: Web3,
    artifacts: Artifacts,
    accounts: list[LocalAccount],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> SplitFactoryClient:
    sender = sender_for(accounts[FIRST_FREE_ACCOUNT + 13])
    receipt = sender.deploy(artifacts.abi("SplitFactory"), artifacts.bytecode("SplitFactory"))
    return SplitFactoryClient(w3, receipt["contractAddress"], sender)


def random_split(count: int, seed: int) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    recipients = sorted(
        {Web3.to_checksum_address("0x" + rng.randbytes(20).hex()) for _ in range(count)},
        key=lambda a: int(a, 16),
    )
    cuts = sorted(rng.sample(range(1, SCALE), len(recipients) - 1))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, SCALE], strict=True)]
    return recipients, shares


@pytest.mark.parametrize("count", [1, 2, 3, 7, 10])
def test_root_and_proofs_match_the_contracts(
    w3: Web3, factory: SplitFactoryClient, count: int
) -> None:
    recipients, shares = random_split(count, seed=count)
    root = recipients_root(recipients, shares)
    assert factory.recipients_root(recipients, shares) == root

    receipt = factory.create_split(recipients, shares, salt=count)
    created = factory.created_split(receipt)
    assert created.recipients_root == root
    assert created.recipient_count == count
    from_calldata = factory.recipients_from_tx(receipt["transactionHash"])
    assert (list(from_calldata.recipients), list(from_calldata.shares)) == (recipients, shares)
    split = TrackSplitClient(w3, created.split)
    assert split.recipients_root() == root
    assert split.recipient_count() == count

    assert factory.sender is not None
    factory.sender.send({"to": created.split, "value": 10**18 + 7})
    for recipient, share in zip(recipients, shares, strict=True):
        proof = recipients_proof(recipients, shares, recipient)
        assert split.releasable(NATIVE_TOKEN, recipient, share, proof) == (
            (10**18 + 7) * share // SCALE
        )
