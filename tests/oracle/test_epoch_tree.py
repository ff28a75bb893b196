"""Leaves, tree and data file without a chain: sums across platforms, proofs, canonical bytes."""

from __future__ import annotations

import json

import pytest

from chain_client.merkle import StandardMerkleTree, settlement_leaf_types
from oracle.epoch.computation import EpochInputs, EpochProposal, advance_for, compute_epoch
from oracle.epoch.errors import UnknownTrack
from oracle.epoch.totals import PlatformState, Settled
from oracle.epoch.tree_builder import leaves_from_totals

USD = "0x" + "aa" * 20
ETH = "0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE"
SPLITS = {1: "0x" + "01" * 20, 2: "0x" + "02" * 20}
PLATFORMS = {
    1: PlatformState(1, USD, (3_000_000, 0, 0, 0, 1_500_001, 0), 10**18),
    2: PlatformState(2, USD, (2_000_000, 7_000_000, 0, 0, 0, 0), 10**18),
    3: PlatformState(3, ETH, (10**18, 0, 0, 0, 0, 0), 10**30),
}


def test_a_leaf_sums_platforms_of_the_same_token_and_splits_by_token() -> None:
    totals = {
        (1, 1, 0): Settled(5_000_000, 15),
        (1, 1, 4): Settled(333_333, 0),
        (1, 2, 0): Settled(2_000_000, 4),
        (1, 2, 1): Settled(1_000_000, 7),
        (1, 3, 0): Settled(1_000_000, 10**12),
        (2, 2, 0): Settled(9, 0),
    }
    tokens = {pid: p.token for pid, p in PLATFORMS.items()}
    leaves = leaves_from_totals(totals, SPLITS, tokens)
    by_key = {(leaf.track_id, leaf.token): leaf for leaf in leaves}
    usd_leaf = by_key[(1, USD)]
    assert usd_leaf.cumulative_amount == 15 + 4 + 7
    assert usd_leaf.cumulative_units == (7_000_000, 1_000_000, 0, 0, 333_333, 0)
    assert [p.platform_id for p in usd_leaf.platforms] == [1, 2]
    assert by_key[(1, ETH)].cumulative_amount == 10**12
    assert by_key[(2, USD)].cumulative_units == (9, 0, 0, 0, 0, 0)
    with pytest.raises(UnknownTrack, match="track 2 has no known split"):
        leaves_from_totals(totals, {1: SPLITS[1]}, tokens)


def test_data_file_is_canonical_and_every_proof_verifies_against_the_root() -> None:
    units = {(1, 1, 0): 5_000_000, (1, 2, 1): 3_000_001, (2, 3, 0): 1_000_000, (2, 1, 4): 7}
    inputs = EpochInputs({}, units, PLATFORMS, SPLITS, [])
    proposal = EpochProposal(epoch=4, config_version=2, cut_seq=17, block_number=99)

    def build() -> bytes:
        return compute_epoch(
            proposal, inputs, advance_for(inputs), chain_id=31337, settlement=USD
        ).data

    first = build()
    assert first == build()  # same inputs, same bytes, same dataHash on every node
    document = json.loads(first)
    assert first == json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    assert document["epoch"] == 4
    assert document["cutSequence"] == 17
    assert document["debits"] == [
        {"platformId": 1, "amount": "15"},
        {"platformId": 2, "amount": "21"},
        {"platformId": 3, "amount": "1000000000000"},
    ]
    for leaf in document["leaves"]:
        value = [
            leaf["split"],
            leaf["token"],
            int(leaf["cumulativeAmount"]),
            [int(u) for u in leaf["cumulativeUnits"]],
        ]
        assert StandardMerkleTree.verify_root(
            document["root"], settlement_leaf_types, value, leaf["proof"]
        )
