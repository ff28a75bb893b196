"""The TrackSplit recipients tree: (account, share) leaves in address order, paired in order."""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils.address import to_checksum_address

from chain_client.errors import MerkleTreeError
from chain_client.merkle.hashing import hash_pair
from chain_client.merkle.leaf_encoding import standard_leaf_hash

RECIPIENT_LEAF_TYPES: tuple[str, ...] = ("address", "uint256")


def recipient_leaf(account: str, share: int) -> bytes:
    return standard_leaf_hash(RECIPIENT_LEAF_TYPES, (account, share))


def _recipient_levels(recipients: Sequence[str], shares: Sequence[int]) -> list[list[bytes]]:
    if not recipients:
        raise MerkleTreeError("a split needs at least one recipient")
    if len(recipients) != len(shares):
        raise MerkleTreeError(f"{len(recipients)} recipients but {len(shares)} shares")
    level = [recipient_leaf(a, s) for a, s in zip(recipients, shares, strict=True)]
    levels = [level]
    while len(level) > 1:
        paired = [hash_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])  # an odd last node is carried up unchanged
        level = paired
        levels.append(level)
    return levels


def recipients_root(recipients: Sequence[str], shares: Sequence[int]) -> bytes:
    """The TrackSplit recipients root (leaves in the given, address-ascending order)."""
    return _recipient_levels(recipients, shares)[-1][0]


def recipients_proof(recipients: Sequence[str], shares: Sequence[int], account: str) -> list[bytes]:
    """The proof of `account`'s (account, share) leaf; empty for a one-recipient split."""
    wanted = to_checksum_address(account)
    try:
        index = [to_checksum_address(r) for r in recipients].index(wanted)
    except ValueError:
        raise MerkleTreeError(f"{wanted} is not a recipient of this split") from None
    proof = []
    for level in _recipient_levels(recipients, shares)[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof


def recipient_share(recipients: Sequence[str], shares: Sequence[int], account: str) -> int:
    wanted = to_checksum_address(account)
    for recipient, share in zip(recipients, shares, strict=True):
        if to_checksum_address(recipient) == wanted:
            return share
    raise MerkleTreeError(f"{wanted} is not a recipient of this split")
