"""The streamed account tree, its stored levels and proofs, and the deterministic data file."""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, insert

from chain_client.merkle import account_leaf_types, process_proof, standard_leaf_hash
from oracle.epoch.tables import epochs
from oracle.settlement.data_file import DataFileWriter, file_hash, leaf_line, read_records
from oracle.settlement.queries import account_leaf, account_leaves, latest_settled_epoch
from oracle.settlement.tables import epoch_leaves, epoch_nodes
from oracle.settlement.tree import (
    ACCOUNT_LEAF_TYPES,
    NODE_CHUNK,
    LevelBuilder,
    account_leaf_hash,
    proof_positions,
    root_of,
)
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade


def _naive_levels(leaves: list[bytes]) -> list[list[bytes]]:
    from chain_client.merkle import hash_pair

    levels = [leaves]
    while len(levels[-1]) > 1:
        level = levels[-1]
        up = [hash_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            up.append(level[-1])
        levels.append(up)
    return levels


def _leaf(i: int) -> tuple[str, str, int]:
    return f"0x{i * 7919 + 1:040x}", "0x" + "aa" * 20, 10**18 + i


def test_leaf_hash_is_the_openzeppelin_standard_leaf() -> None:
    assert tuple(account_leaf_types) == ACCOUNT_LEAF_TYPES
    account, token, amount = _leaf(3)
    assert account_leaf_hash(account, token, amount) == standard_leaf_hash(
        ACCOUNT_LEAF_TYPES, (account, token, amount)
    )


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13, 64, 100, NODE_CHUNK * 2 + 3])
def test_streamed_levels_equal_the_naive_tree_and_every_proof_verifies(count: int) -> None:
    leaves = [account_leaf_hash(*_leaf(i)) for i in range(count)]
    chunks: dict[tuple[int, int], bytes] = {}
    builder = LevelBuilder(lambda level, chunk, data: chunks.__setitem__((level, chunk), data))
    for leaf in leaves:
        builder.add(leaf)
    root = builder.finish()
    levels = _naive_levels(leaves)
    assert root == levels[-1][0] == root_of(leaves)
    for level, nodes in enumerate(levels):
        stored = b"".join(data for (lvl, _c), data in sorted(chunks.items()) if lvl == level)
        assert stored == b"".join(nodes)
    for position in random.Random(count).sample(range(count), min(count, 20)):
        proof = [levels[lvl][i] for lvl, i in proof_positions(position, count)]
        assert process_proof(leaves[position], proof) == root


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'oracle.db'}"
    upgrade(url)
    engine = create_store_engine(url)
    yield engine
    engine.dispose()


def test_a_proof_is_a_lookup_of_the_stored_levels(store: Engine) -> None:
    count = NODE_CHUNK + 77
    values = sorted(_leaf(i) for i in range(count))
    rows: list[dict[str, object]] = []
    builder = LevelBuilder(
        lambda level, chunk, data: rows.append(
            {"epoch": 3, "level": level, "chunk": chunk, "hashes": data}
        )
    )
    for account, token, amount in values:
        builder.add(account_leaf_hash(account, token, amount))
    root = builder.finish()
    with store.begin() as conn:
        conn.execute(
            insert(epochs).values(
                epoch=3,
                status="confirmed",
                config_version=1,
                cut_seq=1,
                block_number=1,
                root="0x" + root.hex(),
                data_hash="0x" + "00" * 32,
                data_path="",
                leaf_count=count,
                created_at=0,
                updated_at=0,
            )
        )
        conn.execute(insert(epoch_nodes), rows)
        conn.execute(
            insert(epoch_leaves),
            [
                {
                    "epoch": 3,
                    "position": i,
                    "account": a,
                    "token": t,
                    "amount": str(m),
                    "since_epoch": 3,
                }
                for i, (a, t, m) in enumerate(values)
            ],
        )
    with store.connect() as conn:
        latest = latest_settled_epoch(conn)
        assert latest is not None
        assert latest.root == "0x" + root.hex()
        for account, token, amount in values[:: NODE_CHUNK // 5]:
            leaf = account_leaf(conn, account.upper().replace("0X", "0x"), token)
            assert leaf is not None
            assert leaf.cumulative_amount == amount
            assert leaf.account == to_checksum_address(account)
            hashed = account_leaf_hash(account, token, amount)
            assert process_proof(hashed, leaf.proof) == root
        assert account_leaf(conn, "0x" + "99" * 20, values[0][1]) is None
        assert [leaf.cumulative_amount for leaf in account_leaves(conn, values[0][0])] == [
            values[0][2]
        ]


def test_the_data_file_is_deterministic_gzip_hashed_as_published(tmp_path: Path) -> None:
    def write(path: Path) -> str:
        with DataFileWriter(path) as writer:
            writer.record({"kind": "header", "b": 2, "a": "1"})
            for i in range(2_000):
                account, token, amount = _leaf(i)
                writer.write(leaf_line(account, token, amount, 1))
            return writer.close()

    first, second = tmp_path / "a" / "f.jsonl.gz", tmp_path / "b" / "g.jsonl.gz"
    assert write(first) == write(second)
    raw = first.read_bytes()
    assert raw == second.read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # mtime 0
    assert raw[3] & 0x08 == 0  # no file name in the header
    assert file_hash(first) == write(first)
    records = list(read_records(first))
    assert records[0] == {"a": "1", "b": 2, "kind": "header"}
    assert records[1]["kind"] == "leaf"
    assert gzip.decompress(raw).count(b"\n") == 2_001
