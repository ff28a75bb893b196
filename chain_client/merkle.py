"""Merkle trees: OpenZeppelin StandardMerkleTree (settlement leaves) and the split recipients tree.

StandardMerkleTree matches @openzeppelin/merkle-tree 1.0.8: leaf = keccak(keccak(abi.encode(v))),
leaves sorted by hash, the tree stored as a flat array (root at 0, leaves at the end, children of
i at 2i+1 and 2i+2), pairs hashed sorted, and dump()/load() in its "standard-v1" JSON shape.
The tree is a list of 32-byte strings (no per-node objects) so 100,000 leaves build in seconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from eth_abi.abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from hexbytes import HexBytes

from chain_client.errors import ChainClientError

SETTLEMENT_LEAF_TYPES: tuple[str, ...] = ("address", "address", "uint256", "uint256[6]")
#: Alias used by the interface spec.
settlement_leaf_types = SETTLEMENT_LEAF_TYPES
STANDARD_FORMAT = "standard-v1"

_UINT = re.compile(r"^uint(\d*)$")
_INT = re.compile(r"^int(\d*)$")
_BYTES_N = re.compile(r"^bytes(\d+)$")
_FIXED_ARRAY = re.compile(r"^(.+)\[(\d+)\]$")


class MerkleTreeError(ChainClientError):
    """A Merkle tree cannot be built, loaded or queried with the given input."""


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin Hashes.commutativeKeccak256: keccak of the two nodes in ascending order."""
    return keccak(a + b if a < b else b + a)


def process_proof(leaf: bytes, proof: Iterable[bytes | str]) -> bytes:
    node = leaf
    for sibling in proof:
        node = hash_pair(node, bytes(HexBytes(sibling)))
    return node


# ---- leaf encoding ----------------------------------------------------------------------


def _static_encoder(abi_type: str) -> Callable[[Any], bytes] | None:
    """A direct encoder for a static ABI type, or None when eth_abi's generic path is needed."""
    array = _FIXED_ARRAY.match(abi_type)
    if array:
        inner = _static_encoder(array.group(1))
        length = int(array.group(2))
        if inner is None:
            return None
        element = inner

        def encode_array(value: Any) -> bytes:
            if len(value) != length:
                raise MerkleTreeError(f"{abi_type} needs {length} elements, got {len(value)}")
            return b"".join(element(v) for v in value)

        return encode_array
    if abi_type == "address":
        return _encode_address
    if abi_type == "bool":
        return lambda v: (1 if _as_bool(v) else 0).to_bytes(32, "big")
    uint = _UINT.match(abi_type)
    if uint:
        bits = int(uint.group(1) or 256)
        return lambda v: _encode_uint(v, bits, abi_type)
    sint = _INT.match(abi_type)
    if sint:
        bits = int(sint.group(1) or 256)
        return lambda v: _encode_int(v, bits, abi_type)
    fixed = _BYTES_N.match(abi_type)
    if fixed:
        size = int(fixed.group(1))
        return lambda v: _encode_bytes_n(v, size, abi_type)
    return None


def _encode_address(value: Any) -> bytes:
    if isinstance(value, str) and len(value) == 42 and value[:2] in ("0x", "0X"):
        try:
            return b"\0" * 12 + bytes.fromhex(value[2:])
        except ValueError:
            raise MerkleTreeError(f"not an address: {value!r}") from None
    raw = bytes(HexBytes(value)) if isinstance(value, str | bytes) else b""
    if len(raw) != 20:
        raise MerkleTreeError(f"not an address: {value!r}")
    return b"\0" * 12 + raw


def _as_int(value: Any, abi_type: str) -> int:
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MerkleTreeError(f"{abi_type} value must be an int or a decimal/hex string: {value!r}")
    return int(value, 0) if isinstance(value, str) else value


def _encode_uint(value: Any, bits: int, abi_type: str) -> bytes:
    number = _as_int(value, abi_type)
    if not 0 <= number < 1 << bits:
        raise MerkleTreeError(f"{number} does not fit in {abi_type}")
    return number.to_bytes(32, "big")


def _encode_int(value: Any, bits: int, abi_type: str) -> bytes:
    number = _as_int(value, abi_type)
    if not -(1 << (bits - 1)) <= number < 1 << (bits - 1):
        raise MerkleTreeError(f"{number} does not fit in {abi_type}")
    return number.to_bytes(32, "big", signed=True)


def _encode_bytes_n(value: Any, size: int, abi_type: str) -> bytes:
    raw = bytes(HexBytes(value))
    if len(raw) != size:
        raise MerkleTreeError(f"{abi_type} value must be {size} bytes, got {len(raw)}")
    return raw.ljust(32, b"\0")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise MerkleTreeError(f"bool value expected, got {value!r}")


def leaf_encoder(types: Sequence[str]) -> Callable[[Sequence[Any]], bytes]:
    """abi.encode for one leaf's values (fast path for static types, eth_abi otherwise)."""
    encoders = [_static_encoder(t) for t in types]
    type_list = list(types)
    if all(e is not None for e in encoders):
        static = [e for e in encoders if e is not None]

        def encode_static(values: Sequence[Any]) -> bytes:
            if len(values) != len(static):
                raise MerkleTreeError(f"expected {len(static)} values, got {len(values)}")
            return b"".join(enc(v) for enc, v in zip(static, values, strict=True))

        return encode_static

    def encode_generic(values: Sequence[Any]) -> bytes:
        if len(values) != len(type_list):
            raise MerkleTreeError(f"expected {len(type_list)} values, got {len(values)}")
        try:
            normalized = [_normalize(t, v) for t, v in zip(type_list, values, strict=True)]
            return abi_encode(type_list, normalized)
        except Exception as exc:
            raise MerkleTreeError(f"cannot encode {values!r} as {type_list}: {exc}") from exc

    return encode_generic


def _normalize(abi_type: str, value: Any) -> Any:
    """JSON-style values (decimal strings, 0x hex) to what eth_abi expects."""
    if abi_type.endswith("]"):
        inner = abi_type[: abi_type.rindex("[")]
        return [_normalize(inner, v) for v in value]
    if (_UINT.match(abi_type) or _INT.match(abi_type)) and isinstance(value, str):
        return int(value, 0)
    if abi_type.startswith("bytes") and isinstance(value, str):
        return bytes(HexBytes(value))
    return value


def standard_leaf_hash(types: Sequence[str], values: Sequence[Any]) -> bytes:
    return keccak(keccak(leaf_encoder(types)(values)))


# ---- StandardMerkleTree -----------------------------------------------------------------


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


# ---- split recipients tree (TrackSplit) ---------------------------------------------------

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
