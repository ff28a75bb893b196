"""OpenZeppelin StandardMerkleTree (@openzeppelin/merkle-tree 1.0.8), as a flat list of nodes.

leaf = keccak(keccak(abi.encode(values))), leaves sorted by hash, the tree stored as an array
(root at 0, leaves at the end, children of i at 2i+1 and 2i+2), pairs hashed sorted, and
dump()/load() in the JS library's "standard-v1" JSON shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hexbytes import HexBytes

from chain_client.errors import MerkleTreeError
from chain_client.merkle.hashing import hash_pair, keccak, process_proof
from chain_client.merkle.leaf_encoding import leaf_encoder, standard_leaf_hash

#: The settlement leaf: (account, token, cumulativeAmount), what UsageSettlement.claim proves.
ACCOUNT_LEAF_TYPES: tuple[str, ...] = ("address", "address", "uint256")
#: The former per-track leaf (split, token, cumulativeAmount, cumulativeUnits[6]) of the removed
#: `pull`; no contract verifies it any more. Kept only until the oracle's tree builder moves to
#: ACCOUNT_LEAF_TYPES.
SETTLEMENT_LEAF_TYPES: tuple[str, ...] = ("address", "address", "uint256", "uint256[6]")
STANDARD_FORMAT = "standard-v1"


class StandardMerkleTree:
    """A tree over ABI-encoded values, compatible with @openzeppelin/merkle-tree."""

    def __init__(
        self, tree: list[bytes], values: list[tuple[Any, int]], leaf_encoding: Sequence[str]
    ) -> None:
        self.tree = tree
        #: (value, tree index) per value, in the order the values were given.
        self.values = values
        self.leaf_encoding = tuple(leaf_encoding)
        self._encode = leaf_encoder(self.leaf_encoding)
        self._index_by_hash: dict[bytes, int] | None = None

    @classmethod
    def of(
        cls,
        values: Sequence[Sequence[Any]],
        leaf_encoding: Sequence[str],
        *,
        sort_leaves: bool = True,
    ) -> StandardMerkleTree:
        if not values:
            raise MerkleTreeError("a Merkle tree needs at least one leaf")
        encode = leaf_encoder(leaf_encoding)
        hashes = [keccak(keccak(encode(value))) for value in values]
        order = sorted(range(len(values)), key=hashes.__getitem__) if sort_leaves else None
        leaves = [hashes[i] for i in order] if order is not None else hashes
        tree = make_merkle_tree(leaves)
        size = len(tree)
        tree_index = [0] * len(values)
        for leaf_position, value_index in enumerate(
            order if order is not None else range(len(values))
        ):
            tree_index[value_index] = size - 1 - leaf_position
        indexed = [(values[i], tree_index[i]) for i in range(len(values))]
        return cls(tree, indexed, leaf_encoding)

    @property
    def root(self) -> bytes:
        return self.tree[0]

    @property
    def root_hex(self) -> str:
        return "0x" + self.tree[0].hex()

    def __len__(self) -> int:
        return len(self.values)

    def at(self, index: int) -> Any:
        return self.values[index][0]

    def leaf_hash(self, value: Sequence[Any]) -> bytes:
        return keccak(keccak(self._encode(value)))

    def leaf_lookup(self, value: Sequence[Any]) -> int:
        """The value index of a leaf value."""
        if self._index_by_hash is None:
            self._index_by_hash = {self.tree[t]: i for i, (_, t) in enumerate(self.values)}
        index = self._index_by_hash.get(self.leaf_hash(value))
        if index is None:
            raise MerkleTreeError("leaf is not in the tree")
        return index

    def get_proof(self, leaf: int | Sequence[Any]) -> list[bytes]:
        """Sibling hashes from the leaf up to (not including) the root."""
        index = leaf if isinstance(leaf, int) else self.leaf_lookup(leaf)
        if not 0 <= index < len(self.values):
            raise MerkleTreeError(f"leaf index {index} out of range (0..{len(self.values) - 1})")
        tree_index = self.values[index][1]
        proof = []
        while tree_index > 0:
            sibling = tree_index - 1 if tree_index % 2 == 0 else tree_index + 1
            proof.append(self.tree[sibling])
            tree_index = (tree_index - 1) // 2
        return proof

    def get_proof_hex(self, leaf: int | Sequence[Any]) -> list[str]:
        return ["0x" + node.hex() for node in self.get_proof(leaf)]

    def verify(self, leaf: int | Sequence[Any], proof: Iterable[bytes | str]) -> bool:
        value = self.values[leaf][0] if isinstance(leaf, int) else leaf
        return process_proof(self.leaf_hash(value), proof) == self.root

    @staticmethod
    def verify_root(
        root: bytes | str,
        leaf_encoding: Sequence[str],
        value: Sequence[Any],
        proof: Iterable[bytes | str],
    ) -> bool:
        return process_proof(standard_leaf_hash(leaf_encoding, value), proof) == bytes(
            HexBytes(root)
        )

    def validate(self) -> None:
        """Check every value's leaf hash and every internal node (as the JS load() does)."""
        for index, (value, tree_index) in enumerate(self.values):
            if not 0 <= tree_index < len(self.tree) or 2 * tree_index + 1 < len(self.tree):
                raise MerkleTreeError(f"value {index} does not point at a leaf")
            if self.tree[tree_index] != self.leaf_hash(value):
                raise MerkleTreeError(f"value {index} does not match its leaf hash")
        for i in range(len(self.tree)):
            left = 2 * i + 1
            if left < len(self.tree):
                if left + 1 >= len(self.tree):
                    raise MerkleTreeError("the tree has an internal node with one child")
                if self.tree[i] != hash_pair(self.tree[left], self.tree[left + 1]):
                    raise MerkleTreeError(f"node {i} is not the hash of its children")

    def dump(self) -> dict[str, Any]:
        return {
            "format": STANDARD_FORMAT,
            "leafEncoding": list(self.leaf_encoding),
            "tree": ["0x" + node.hex() for node in self.tree],
            "values": [
                {"value": _to_json_value(value), "treeIndex": tree_index}
                for value, tree_index in self.values
            ],
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> StandardMerkleTree:
        if data.get("format") != STANDARD_FORMAT:
            raise MerkleTreeError(f"unknown Merkle tree format {data.get('format')!r}")
        encoding = data.get("leafEncoding")
        if not isinstance(encoding, list):
            raise MerkleTreeError("expected leafEncoding")
        try:
            tree = [bytes(HexBytes(node)) for node in data["tree"]]
            values = [(entry["value"], int(entry["treeIndex"])) for entry in data["values"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise MerkleTreeError(f"malformed Merkle tree dump: {exc}") from exc
        if any(len(node) != 32 for node in tree):
            raise MerkleTreeError("tree nodes must be 32 bytes")
        loaded = cls(tree, values, encoding)
        loaded.validate()
        return loaded


def make_merkle_tree(leaves: Sequence[bytes]) -> list[bytes]:
    if not leaves:
        raise MerkleTreeError("a Merkle tree needs at least one leaf")
    count = len(leaves)
    size = 2 * count - 1
    tree: list[bytes] = [b""] * (size - count) + list(reversed(leaves))
    for i in range(size - 1 - count, -1, -1):
        a = tree[2 * i + 1]
        b = tree[2 * i + 2]
        tree[i] = keccak(a + b if a < b else b + a)
    return tree


def _to_json_value(value: Any) -> Any:
    """Values as the JS library keeps them: numbers as decimal strings, bytes as 0x hex."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_to_json_value(v) for v in value]
    return value
