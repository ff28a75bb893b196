"""Merkle trees: OpenZeppelin StandardMerkleTree (settlement) and the split recipients tree."""

from chain_client.errors import MerkleTreeError
from chain_client.merkle.hashing import hash_pair, process_proof
from chain_client.merkle.leaf_encoding import leaf_encoder, standard_leaf_hash
from chain_client.merkle.recipients_tree import (
    RECIPIENT_LEAF_TYPES,
    recipient_leaf,
    recipient_share,
    recipients_proof,
    recipients_root,
)
from chain_client.merkle.standard_tree import (
    SETTLEMENT_LEAF_TYPES,
    STANDARD_FORMAT,
    StandardMerkleTree,
    make_merkle_tree,
)

#: Alias used by the interface spec.
settlement_leaf_types = SETTLEMENT_LEAF_TYPES

__all__ = [
    "RECIPIENT_LEAF_TYPES",
    "SETTLEMENT_LEAF_TYPES",
    "STANDARD_FORMAT",
    "MerkleTreeError",
    "StandardMerkleTree",
    "hash_pair",
    "leaf_encoder",
    "make_merkle_tree",
    "process_proof",
    "recipient_leaf",
    "recipient_share",
    "recipients_proof",
    "recipients_root",
    "settlement_leaf_types",
    "standard_leaf_hash",
]
