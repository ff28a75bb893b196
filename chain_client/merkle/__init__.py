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
    ACCOUNT_LEAF_TYPES,
    SETTLEMENT_LEAF_TYPES,
    STANDARD_FORMAT,
    StandardMerkleTree,
    make_merkle_tree,
)

#: The per-account settlement leaf types (interface spec name): ("address", "address", "uint256").
account_leaf_types = ACCOUNT_LEAF_TYPES
#: The former per-track leaf types, kept until the oracle uses account leaves.
settlement_leaf_types = SETTLEMENT_LEAF_TYPES

__all__ = [
    "ACCOUNT_LEAF_TYPES",
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
    "account_leaf_types",
    "settlement_leaf_types",
    "standard_leaf_hash",
]
