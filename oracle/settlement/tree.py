"""The settlement tree of an epoch over its leaves in position order, rebuilt along changed paths.

Leaf = keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount)))), the
OpenZeppelin StandardMerkleTree leaf hash. Inner nodes are OpenZeppelin's commutativeKeccak256 of
two neighbours: level k+1 node i = hash(level k node 2i, node 2i+1); an odd last node of a level
is carried up unchanged. Proofs are the siblings from the leaf up and verify with OpenZeppelin's
MerkleProof.verify.

Leaves are in position order: a leaf's position is fixed when its (account, token) first gets a
non-zero amount, and an epoch's new leaves are appended after all existing ones, in (account,
token) byte order. So an epoch changes only the leaves whose amounts moved and the appended ones,
and `rebuild_paths` recomputes only their ancestors (plus the right edge the appended leaves
extend): hash work ~ changed x log n, never n. A node none of whose leaves changed keeps its hash
(its leaf range and values are the same as before), and is read from the store when a changed
node needs it as a sibling.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence

from chain_client.merkle.hashing import hash_pair, keccak

ACCOUNT_LEAF_TYPES = ("address", "address", "uint256")
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


SiblingReader = Callable[[int, Sequence[int]], dict[int, bytes]]
"""(level, node indexes) -> their stored hashes in the tree before the change."""
LevelSink = Callable[[int, Sequence[int], bytes | bytearray], None]
"""(level >= 1, the indexes of its recomputed nodes ascending, their new hashes concatenated),
once per level from level 1 up (a level at a time: a dense epoch recomputes millions of nodes)."""


def rebuild_paths(
    leaf_count: int,
    positions: Sequence[int],
    hashes: bytes | bytearray,
    siblings: SiblingReader,
    sink: LevelSink,
) -> bytes | None:
    """The root of a tree of `leaf_count` leaves whose leaves at `positions` (ascending, with
    their new hashes concatenated in `hashes`) changed or were appended; every other leaf and
    node is read through `siblings`. Every recomputed level goes to `sink`. Returns None when no
    position is given (the root is the stored one).

    Every appended leaf must be among `positions`: a level's nodes past its old size are then
    all recomputed, so `siblings` is only asked for nodes of the old tree."""
    index: Sequence[int] = positions
    data = hashes
    size = leaf_count
    level = 0
    if not index:
        return None
    while size > 1:
        count = len(index)
        wanted = []
        for k in range(count):
            i = index[k]
            if i & 1:
                if k == 0 or index[k - 1] != i - 1:
                    wanted.append(i - 1)
            elif i + 1 < size and (k + 1 == count or index[k + 1] != i + 1):
                wanted.append(i + 1)
        stored = siblings(level, wanted) if wanted else {}
        up = array("q")
        up_data = bytearray()
        k = 0
        while k < count:
            i = index[k]
            node = bytes(data[32 * k : 32 * k + 32])
            if i & 1:
                node = hash_pair(stored[i - 1], node)
                k += 1
            elif k + 1 < count and index[k + 1] == i + 1:
                node = hash_pair(node, bytes(data[32 * k + 32 : 32 * k + 64]))
                k += 2
            elif i + 1 < size:
                node = hash_pair(node, stored[i + 1])
                k += 1
            else:
                k += 1  # odd last node: carried up unchanged
            up.append(i >> 1)
            up_data += node
        sink(level + 1, up, up_data)
        index, data = up, up_data
        size = (size + 1) // 2
        level += 1
    return bytes(data[:32])


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


def root_of(leaves: Sequence[bytes]) -> bytes:
    """The root of leaf hashes in memory (the reference, tests, small files; ZERO if empty)."""
    root = rebuild_paths(
        len(leaves), range(len(leaves)), b"".join(leaves), lambda _l, _i: {}, lambda *_a: None
    )
    return ZERO if root is None else root
