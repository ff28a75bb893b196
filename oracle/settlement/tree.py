"""The settlement tree of an epoch, built from leaves streamed in (account, token) order.

Leaf = keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount)))), the
OpenZeppelin StandardMerkleTree leaf hash. Inner nodes are OpenZeppelin's commutativeKeccak256 of
two neighbours: level k+1 node i = hash(level k node 2i, node 2i+1); an odd last node of a level
is carried up unchanged. Leaves are ordered by (account, token) as 20-byte big-endian numbers.
Proofs are the siblings from the leaf up and verify with OpenZeppelin's MerkleProof.verify.

The builder keeps one pending node per level (O(log n) memory) and hands out every level in
chunks of NODE_CHUNK nodes, so the levels can be stored and a proof is a lookup.
"""

from __future__ import annotations

from collections.abc import Callable

from chain_client.merkle.hashing import hash_pair, keccak

ACCOUNT_LEAF_TYPES = ("address", "address", "uint256")
NODE_CHUNK = 512
ZERO = b"\0" * 32


def account_leaf_hash(account: str, token: str, amount: int) -> bytes:
    """The leaf hash of (account, token, cumulativeAmount); addresses as 0x-hex."""
    encoded = (
        b"\0" * 12
        + bytes.fromhex(account[2:])
        + b"\0" * 12
        + bytes.fromhex(token[2:])
        + amount.to_bytes(32, "big")
    )
    return keccak(keccak(encoded))


ChunkSink = Callable[[int, int, bytes], None]
"""(level, chunk index, concatenated node hashes)."""


class LevelBuilder:
    def __init__(self, sink: ChunkSink) -> None:
        self._sink = sink
        self._pending: list[bytes | None] = []
        self._counts: list[int] = []
        self._buffers: list[list[bytes]] = []
        self._chunks: list[int] = []
        self.root: bytes | None = None

    @property
    def leaf_count(self) -> int:
        return self._counts[0] if self._counts else 0

    def add(self, leaf: bytes) -> None:
        self._add(0, leaf)

    def _add(self, level: int, node: bytes) -> None:
        if level == len(self._counts):
            self._pending.append(None)
            self._counts.append(0)
            self._buffers.append([])
            self._chunks.append(0)
        self._counts[level] += 1
        buffer = self._buffers[level]
        buffer.append(node)
        if len(buffer) == NODE_CHUNK:
            self._flush(level)
        waiting = self._pending[level]
        if waiting is None:
            self._pending[level] = node
        else:
            self._pending[level] = None
            self._add(level + 1, hash_pair(waiting, node))

    def _flush(self, level: int) -> None:
        buffer = self._buffers[level]
        if buffer:
            self._sink(level, self._chunks[level], b"".join(buffer))
            self._chunks[level] += 1
            buffer.clear()

    def finish(self) -> bytes:
        """Carries odd last nodes up, flushes every level; returns the root (ZERO if empty)."""
        if not self._counts:
            self.root = ZERO
            return ZERO
        level = 0
        while True:
            higher = level + 1 < len(self._counts)
            if not higher and self._counts[level] == 1:
                break
            carried = self._pending[level]
            if carried is not None:
                self._pending[level] = None
                self._add(level + 1, carried)
            level += 1
        for index in range(len(self._counts)):
            self._flush(index)
        root = self._pending[level]
        assert root is not None
        self.root = root
        return root


def level_sizes(leaf_count: int) -> list[int]:
    sizes = [leaf_count]
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def proof_positions(position: int, leaf_count: int) -> list[tuple[int, int]]:
    """(level, node index) of each sibling from the leaf up (an odd last node has none)."""
    wanted: list[tuple[int, int]] = []
    index = position
    for level, size in enumerate(level_sizes(leaf_count)[:-1]):
        sibling = index ^ 1
        if sibling < size:
            wanted.append((level, sibling))
        index //= 2
    return wanted


def root_of(leaves: list[bytes]) -> bytes:
    """The root of leaf hashes in memory (tests, small files)."""
    builder = LevelBuilder(lambda _level, _chunk, _data: None)
    for leaf in leaves:
        builder.add(leaf)
    return builder.finish()
