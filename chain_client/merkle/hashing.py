"""Node hashing shared by both trees: OpenZeppelin Hashes.commutativeKeccak256 and proofs."""

from __future__ import annotations

from collections.abc import Iterable

from hexbytes import HexBytes

try:
    # safe-pysha3's C keccak is ~6x faster per call than eth_hash's pycryptodome backend, and
    # a 100,000-leaf tree is ~300,000 calls.
    from sha3 import keccak_256 as _keccak_256

    def keccak(data: bytes) -> bytes:
        digest: bytes = _keccak_256(data).digest()
        return digest

except ImportError:  # pragma: no cover - the dependency is declared; this keeps a fallback
    from eth_hash.auto import keccak as _eth_hash_keccak

    def keccak(data: bytes) -> bytes:
        return _eth_hash_keccak(data)


def hash_pair(a: bytes, b: bytes) -> bytes:
    """OpenZeppelin Hashes.commutativeKeccak256: keccak of the two nodes in ascending order."""
    return keccak(a + b if a < b else b + a)


def process_proof(leaf: bytes, proof: Iterable[bytes | str]) -> bytes:
    node = leaf
    for sibling in proof:
        node = hash_pair(node, bytes(HexBytes(sibling)))
    return node
