"""Merkle tree behaviour that needs no reference implementation: errors, proofs, size."""

from __future__ import annotations

import pytest

from chain_client.merkle import (
    SETTLEMENT_LEAF_TYPES,
    MerkleTreeError,
    StandardMerkleTree,
    hash_pair,
    recipient_leaf,
    recipients_proof,
    recipients_root,
)

ALICE = "0x1000000000000000000000000000000000000001"
BOB = "0x2000000000000000000000000000000000000002"
CAROL = "0x3000000000000000000000000000000000000003"


def test_empty_tree_is_rejected() -> None:
    with pytest.raises(MerkleTreeError, match="at least one leaf"):
        StandardMerkleTree.of([], SETTLEMENT_LEAF_TYPES)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([ALICE, BOB, -1, [0] * 6], "does not fit in uint256"),
        ([ALICE, BOB, 1, [0] * 5], "needs 6 elements"),
        (["0x1234", BOB, 1, [0] * 6], "not an address"),
        ([ALICE, BOB, 1.5, [0] * 6], "must be an int"),
    ],
)
def test_bad_leaf_values_name_the_problem(value: list[object], message: str) -> None:
    with pytest.raises(MerkleTreeError, match=message):
        StandardMerkleTree.of([value], SETTLEMENT_LEAF_TYPES)


def test_proof_of_a_value_not_in_the_tree_fails() -> None:
    tree = StandardMerkleTree.of(
        [[ALICE, BOB, 1, [1] * 6], [BOB, ALICE, 2, [2] * 6]], SETTLEMENT_LEAF_TYPES
    )
    with pytest.raises(MerkleTreeError, match="not in the tree"):
        tree.get_proof([CAROL, BOB, 1, [1] * 6])
    assert not tree.verify([ALICE, BOB, 2, [1] * 6], tree.get_proof(0))


def test_recipients_tree_layout() -> None:
    leaves = [recipient_leaf(a, s) for a, s in [(ALICE, 500_000), (BOB, 300_000), (CAROL, 200_000)]]
    # pairwise left to right, the odd last node carried up unchanged
    expected = hash_pair(hash_pair(leaves[0], leaves[1]), leaves[2])
    recipients, shares = [ALICE, BOB, CAROL], [500_000, 300_000, 200_000]
    assert recipients_root(recipients, shares) == expected
    assert recipients_proof(recipients, shares, CAROL) == [hash_pair(leaves[0], leaves[1])]
    assert recipients_proof(recipients, shares, ALICE) == [leaves[1], leaves[2]]
    assert recipients_root([ALICE], [1_000_000]) == recipient_leaf(ALICE, 1_000_000)
    assert recipients_proof([ALICE], [1_000_000], ALICE) == []


def test_big_tree_builds_and_proves() -> None:
    values = [["0x" + i.to_bytes(20, "big").hex(), BOB, i, [i] * 6] for i in range(1, 20_001)]
    tree = StandardMerkleTree.of(values, SETTLEMENT_LEAF_TYPES)
    for index in (0, 9_999, 19_999):
        proof = tree.get_proof(index)
        assert len(proof) in (14, 15)
        assert StandardMerkleTree.verify_root(
            tree.root, SETTLEMENT_LEAF_TYPES, values[index], proof
        )
