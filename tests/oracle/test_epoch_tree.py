"""The account tree rebuilt along changed paths, its versioned store and proofs, and the
deterministic data file."""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import zstandard
from eth_utils.address import to_checksum_address
from sqlalchemy import Connection, Engine, insert, select, text, update

from chain_client.merkle import account_leaf_types, process_proof, standard_leaf_hash
from oracle.epoch.tables import epochs
from oracle.settlement.data_file import (
    ZSTD_MAGIC,
    DataFileWriter,
    canonical_line,
    file_hash,
    leaf_line,
    read_records,
)
from oracle.settlement.engine import prune_superseded
from oracle.settlement.queries import account_leaf, account_leaves, latest_settled_epoch
from oracle.settlement.tables import leaf_positions, leaf_versions, tree_chunks
from oracle.settlement.tree import (
    ACCOUNT_LEAF_TYPES,
    account_leaf_hash,
    proof_positions,
    rebuild_paths,
    root_of,
)
from oracle.settlement.tree_store import ChunkWriter
from oracle.settlement.verify_file import VerificationError
from oracle.settlement.verify_file import _records as verify_records
from oracle.store.engine import create_store_engine
from oracle.store.migrate import downgrade, upgrade


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


class _VersionedTree:
    """Leaf hashes and inner nodes by (level, index) -> {epoch: hash}, as the store keeps them."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], dict[int, bytes]] = {}
        self.count = 0

    def at(self, epoch: int, level: int, index: int) -> bytes:
        versions = self.nodes[(level, index)]
        return versions[max(e for e in versions if e <= epoch)]

    def apply(self, epoch: int, base: int, changes: dict[int, bytes]) -> bytes | None:
        """Writes the changed and appended leaves of `epoch` (built on `base`); the new root."""
        count = max(self.count, max(changes, default=-1) + 1)
        for position, leaf in changes.items():
            self.nodes.setdefault((0, position), {})[epoch] = leaf

        def siblings(level: int, indexes: Sequence[int]) -> dict[int, bytes]:
            return {i: self.at(base, level, i) for i in indexes}

        def sink(level: int, indexes: Sequence[int], hashes: bytes | bytearray) -> None:
            for k, index in enumerate(indexes):
                self.nodes.setdefault((level, index), {})[epoch] = bytes(
                    hashes[32 * k : 32 * k + 32]
                )

        ordered = sorted(changes)
        self.count = count
        return rebuild_paths(count, ordered, b"".join(changes[p] for p in ordered), siblings, sink)


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8, 13, 64, 100, 1_027])
def test_changed_path_rebuilds_equal_the_naive_tree_and_every_proof_verifies(count: int) -> None:
    """Epoch 1 builds the tree; epochs 2-4 change some leaves and append others (the new right
    edge included): every stored node equals the naive tree's, and every proof verifies."""
    rng = random.Random(count)
    leaves = [account_leaf_hash(*_leaf(i)) for i in range(count)]
    tree = _VersionedTree()
    tree.apply(1, 0, dict(enumerate(leaves)))
    for epoch in (2, 3, 4):
        changes = {
            p: account_leaf_hash(*_leaf(p + 10**6 * epoch))
            for p in rng.sample(range(len(leaves)), min(len(leaves), rng.randint(1, 9)))
        }
        for appended in range(rng.choice([0, 1, 2, 7])):
            changes[len(leaves) + appended] = account_leaf_hash(*_leaf(len(leaves) + appended))
        for position, leaf in changes.items():
            if position < len(leaves):
                leaves[position] = leaf
            else:
                leaves.append(leaf)
        root = tree.apply(epoch, epoch - 1, changes)
        levels = _naive_levels(leaves)
        assert root == levels[-1][0] == root_of(leaves)
        for level, nodes in enumerate(levels):
            assert [tree.at(epoch, level, i) for i in range(len(nodes))] == nodes
        for position in rng.sample(range(len(leaves)), min(len(leaves), 20)):
            proof = [levels[lvl][i] for lvl, i in proof_positions(position, len(leaves))]
            assert process_proof(leaves[position], proof) == root
    assert tree.apply(5, 4, {}) is None


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'oracle.db'}"
    upgrade(url)
    engine = create_store_engine(url)
    yield engine
    engine.dispose()


def _store_epoch(
    conn: Connection,
    epoch: int,
    status: str,
    values: list[tuple[str, str, int]],
    changed: list[int],
) -> bytes:
    """Writes the versions epoch `epoch` changes (leaf positions `changed`) and its epoch row."""
    chunks: list[dict[str, object]] = []
    hashes = [account_leaf_hash(*v) for v in values]
    base = epoch - 1
    writer = ChunkWriter(
        conn,
        base,
        epoch,
        lambda row: chunks.append(
            dict(zip(("level", "chunk", "epoch", "hashes"), row, strict=True))
        ),
    )
    root = rebuild_paths(
        len(values), changed, b"".join(hashes[p] for p in changed), writer.siblings, writer.nodes
    )
    assert root is not None
    conn.execute(
        insert(leaf_versions),
        [
            {
                "position": p,
                "epoch": epoch,
                "account": values[p][0],
                "token": values[p][1],
                "amount": str(values[p][2]),
                "since_epoch": epoch,
                "hash": hashes[p],
            }
            for p in changed
        ],
    )
    placed = {int(p) for (p,) in conn.execute(select(leaf_positions.c.position))}
    appended = [p for p in changed if p not in placed]
    if appended:
        conn.execute(
            insert(leaf_positions),
            [
                {"account": values[p][0], "token": values[p][1], "position": p, "epoch": epoch}
                for p in appended
            ],
        )
    if chunks:
        conn.execute(insert(tree_chunks), chunks)
    conn.execute(
        insert(epochs).values(
            epoch=epoch,
            status=status,
            config_version=1,
            cut_seq=epoch,
            block_number=1,
            root="0x" + root.hex(),
            data_hash="0x" + "00" * 32,
            data_path="",
            leaf_count=len(values),
            created_at=0,
            updated_at=0,
        )
    )
    return root


def test_a_proof_is_a_lookup_of_the_stored_versions_for_every_retained_epoch(
    store: Engine,
) -> None:
    """Epoch 3 (confirmed) holds every leaf; epoch 4 (posted) changes a few and appends two.
    Proofs of both verify against their own roots; once 4 is confirmed its superseded versions
    are pruned, epoch 3 is no longer served and epoch 4's proofs still verify."""
    count = 777
    values = sorted(_leaf(i) for i in range(count))
    changed = [0, 5, 6, 400, count - 1]
    later = list(values)
    for p in changed:
        later[p] = (values[p][0], values[p][1], values[p][2] + 1)
    later += sorted([_leaf(count + 1), _leaf(count + 2)])
    with store.begin() as conn:
        first = _store_epoch(conn, 3, "confirmed", values, list(range(count)))
        second = _store_epoch(conn, 4, "posted", later, [*changed, count, count + 1])
    assert second == root_of([account_leaf_hash(*v) for v in later])

    def check(
        conn: Connection, epoch: int, root: bytes, leaves: list[tuple[str, str, int]]
    ) -> None:
        for account, token, amount in [*leaves[:: count // 9], *(later[p] for p in changed)]:
            if (account, token, amount) not in leaves:
                continue
            leaf = account_leaf(conn, account.upper().replace("0X", "0x"), token, epoch)
            assert leaf is not None
            assert (leaf.cumulative_amount, leaf.account) == (amount, to_checksum_address(account))
            assert process_proof(account_leaf_hash(account, token, amount), leaf.proof) == root

    with store.connect() as conn:
        latest = latest_settled_epoch(conn)
        assert latest is not None
        assert latest.root == "0x" + second.hex()
        check(conn, 3, first, values)
        check(conn, 4, second, later)
        assert account_leaf(conn, later[-1][0], later[-1][1], 3) is None
        assert account_leaf(conn, "0x" + "99" * 20, values[0][1]) is None
        assert [leaf.cumulative_amount for leaf in account_leaves(conn, values[0][0])] == [
            values[0][2] + 1
        ]
    with store.begin() as conn:
        conn.execute(update(epochs).where(epochs.c.epoch == 4).values(status="confirmed"))
        prune_superseded(conn, 4)
    with store.connect() as conn:
        assert account_leaf(conn, values[1][0], values[1][1], 3) is None
        check(conn, 4, second, later)
        versions = conn.execute(
            select(leaf_versions.c.epoch).where(leaf_versions.c.position.in_(changed))
        ).scalars()
        assert set(versions) == {4}


def test_the_data_file_is_a_deterministic_zstd_frame_hashed_as_published(tmp_path: Path) -> None:
    """The same lines give the same bytes however the writer is fed (line by line, in one
    block, or in odd slices); an address met again megabytes later costs a back-reference, as
    in a real file (track records, then the leaves of the accounts they credit); a file in the
    old container (gzip) reads back the same."""
    rng = random.Random(7)
    accounts = [f"0x{rng.getrandbits(160):040x}" for _ in range(20_000)]
    lines = [canonical_line({"kind": "header", "b": 2, "a": "1"})]
    lines += [
        canonical_line({"kind": "track", "trackId": i, "recipients": [[a, 1_000_000]]})
        for i, a in enumerate(accounts)
    ]
    lines += [leaf_line(i, a, "0x" + "aa" * 20, 10**18 + i, 1) for i, a in enumerate(accounts)]
    whole = b"".join(lines)

    def write(path: Path, pieces: list[bytes]) -> str:
        with DataFileWriter(path) as writer:
            for piece in pieces:
                writer.write(piece)
            return writer.close()

    first, second, third = (tmp_path / n / "f.jsonl.zst" for n in "abc")
    odd = [whole[i : i + 70_001] for i in range(0, len(whole), 70_001)]
    assert write(first, lines) == write(second, [whole]) == write(third, odd)
    raw = first.read_bytes()
    assert raw == second.read_bytes() == third.read_bytes()
    assert raw[:4] == ZSTD_MAGIC
    frame = zstandard.get_frame_parameters(raw)
    assert frame.has_checksum
    assert frame.window_size == 1 << 27
    assert file_hash(first) == write(first, lines)
    assert zstandard.ZstdDecompressor().decompressobj().decompress(raw) == whole
    # Each address is 20 random bytes: gzip stores it twice, the long-distance match once.
    assert len(raw) < len(gzip.compress(whole, 6)) * 0.7
    records = list(read_records(first))
    assert records[0] == {"a": "1", "b": 2, "kind": "header"}
    assert [records[1]["kind"], records[-1]["kind"]] == ["track", "leaf"]
    assert len(records) == 40_001
    old = tmp_path / "old.jsonl.gz"
    old.write_bytes(gzip.compress(whole))
    assert list(read_records(old)) == records
    (tmp_path / "neither.jsonl.zst").write_bytes(b"PK\x03\x04 not a data file")
    with pytest.raises(ValueError, match="neither a zstd nor a gzip data file"):
        list(read_records(tmp_path / "neither.jsonl.zst"))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("cut at a line end", "cut short"),
        ("cut mid-frame", "cut short|not JSON"),
        ("a flipped byte", "corrupt zstd data|not JSON"),
        ("bytes appended", "after the end of the zstd frame"),
        ("gzip cut short", "unreadable after line"),
    ],
)
def test_a_damaged_data_file_is_refused_by_name_never_read_short(
    tmp_path: Path, damage: str, reason: str
) -> None:
    """Both readers (the oracle's and the standalone verifier's) refuse a damaged file with its
    path; a file cut where a line ends would otherwise read as a shorter, valid-looking file."""
    # Lines of 128 bytes: zstd's 128 KiB blocks then end on line ends, so a file cut after a
    # whole block decompresses to whole lines.
    whole = b"".join(b'{"i":"%0119d"}\n' % i for i in range(30_000))
    path = tmp_path / "f.jsonl.zst"
    with DataFileWriter(path) as writer:
        writer.write(whole)
        writer.close()
    raw = path.read_bytes()
    if damage == "cut at a line end":
        damaged = raw[:-5]  # the checksum and the last byte of the last block
        prefix = zstandard.ZstdDecompressor().decompressobj().decompress(damaged)
        assert prefix.endswith(b"\n")
        assert 0 < len(prefix) < len(whole)
    elif damage == "cut mid-frame":
        damaged = raw[: len(raw) // 2]
    elif damage == "a flipped byte":
        middle = len(raw) // 2
        damaged = raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1 :]
    elif damage == "bytes appended":
        damaged = raw + b"\0\0\0\0"
    else:
        path = tmp_path / "f.jsonl.gz"
        damaged = gzip.compress(whole)[:-100]
    path.write_bytes(damaged)
    with pytest.raises(ValueError, match=reason) as refused:
        list(read_records(path))
    assert str(path) in str(refused.value)
    with pytest.raises(VerificationError, match=reason) as failed:
        list(verify_records(path))
    assert str(path) in str(failed.value)


def test_migration_0007_copies_the_held_epochs_trees(tmp_path: Path) -> None:
    """A store at 0006 holds an epoch's leaves and levels the old way (every leaf, 512 nodes per
    row); after 0007 every leaf keeps its position and its proof verifies against the root."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006_track_split_index")
    values = sorted(_leaf(i) for i in range(600))
    levels = _naive_levels([account_leaf_hash(*v) for v in values])
    engine = create_store_engine(url)
    with engine.begin() as conn:
        for level, nodes in enumerate(levels):
            for chunk in range(0, len(nodes), 512):
                conn.execute(
                    text(
                        "INSERT INTO oracle_epoch_nodes (epoch, level, chunk, hashes) "
                        "VALUES (2, :level, :chunk, :hashes)"
                    ),
                    {
                        "level": level,
                        "chunk": chunk // 512,
                        "hashes": b"".join(nodes[chunk:][:512]),
                    },
                )
        conn.execute(
            text(
                "INSERT INTO oracle_epoch_leaves (epoch, position, account, token, amount, "
                "since_epoch) VALUES (2, :p, :a, :t, :m, 1)"
            ),
            [{"p": p, "a": a, "t": t, "m": str(m)} for p, (a, t, m) in enumerate(values)],
        )
        conn.execute(
            insert(epochs).values(
                epoch=2,
                status="confirmed",
                config_version=1,
                cut_seq=1,
                block_number=1,
                root="0x" + levels[-1][0].hex(),
                data_hash="0x" + "00" * 32,
                data_path="",
                leaf_count=len(values),
                created_at=0,
                updated_at=0,
            )
        )
    engine.dispose()
    upgrade(url)
    engine = create_store_engine(url)
    with engine.connect() as conn:
        for account, token, amount in values[::37]:
            leaf = account_leaf(conn, account, token)
            assert leaf is not None
            assert leaf.cumulative_amount == amount
            assert (
                process_proof(account_leaf_hash(account, token, amount), leaf.proof)
                == (levels[-1][0])
            )
    engine.dispose()


def _epoch_row(epoch: int, status: str, root: bytes, leaf_count: int) -> dict[str, object]:
    return {
        "epoch": epoch,
        "status": status,
        "config_version": 1,
        "cut_seq": epoch,
        "block_number": 1,
        "root": "0x" + root.hex(),
        "data_hash": "0x" + "00" * 32,
        "data_path": "",
        "leaf_count": leaf_count,
        "created_at": 0,
        "updated_at": 0,
    }


Tree = tuple[list[tuple[str, str, int]], list[list[bytes]]]
"""An epoch's leaves (account, token, amount) and its naive levels."""


def _two_epochs(count: int, changed: Sequence[int], appended: int) -> dict[int, Tree]:
    """Epoch 3's tree of `count` leaves, and epoch 4's with `changed` raised and `appended` more."""
    values = sorted(_leaf(i) for i in range(count))
    later = [(a, t, m + 1) if p in changed else (a, t, m) for p, (a, t, m) in enumerate(values)]
    later += sorted(_leaf(i) for i in range(count, count + appended))
    return {
        3: (values, _naive_levels([account_leaf_hash(*v) for v in values])),
        4: (later, _naive_levels([account_leaf_hash(*v) for v in later])),
    }


def _write_leaves(
    conn: Connection, epoch: int, tree: Tree, previous: Tree | None, *, positions: bool
) -> None:
    """The leaf versions `epoch` sets (every leaf unless it equals `previous`'s), the epoch row
    (3 confirmed, 4 posted), and with `positions` the appended leaves' oracle_leaf_positions."""
    leaves, levels = tree
    old_leaves = previous[1][0] if previous is not None else []
    for position, (account, token, amount) in enumerate(leaves):
        fresh = position >= len(old_leaves)
        if fresh or levels[0][position] != old_leaves[position]:
            conn.execute(
                insert(leaf_versions).values(
                    position=position,
                    epoch=epoch,
                    account=account,
                    token=token,
                    amount=str(amount),
                    since_epoch=epoch,
                    hash=levels[0][position],
                )
            )
        if fresh and positions:
            conn.execute(
                insert(leaf_positions).values(
                    account=account, token=token, position=position, epoch=epoch
                )
            )
    status = "confirmed" if epoch == 3 else "posted"
    conn.execute(insert(epochs).values(**_epoch_row(epoch, status, levels[-1][0], len(leaves))))


def _assert_proofs_verify(
    engine: Engine, trees: dict[int, Tree], also: Sequence[tuple[str, str, int]] = ()
) -> None:
    """Every 7th leaf, the last and `also` (where the epoch holds them) prove against their
    epoch's root."""
    with engine.connect() as conn:
        for epoch, (leaves, levels) in trees.items():
            for account, token, amount in [*leaves[::7], leaves[-1], *also]:
                if (account, token, amount) not in leaves:
                    continue
                leaf = account_leaf(conn, account, token, epoch)
                assert leaf is not None
                assert leaf.cumulative_amount == amount
                assert (
                    process_proof(account_leaf_hash(account, token, amount), leaf.proof)
                    == (levels[-1][0])
                )


def test_migration_0010_packs_every_node_version_into_chunks_and_reverts(tmp_path: Path) -> None:
    """A store at 0009 holds epoch 3's whole tree and epoch 4's changed and appended nodes, a row
    per node; after 0010 both epochs' proofs verify against their roots, and the downgrade gives
    every node of both epochs back."""
    url = f"sqlite:///{tmp_path / 'nodes.db'}"
    upgrade(url, "0009_derived_epoch_credits")
    trees = _two_epochs(300, (0, 17, 18, 299), 33)
    engine = create_store_engine(url)
    with engine.begin() as conn:
        for epoch, (_leaves, levels) in trees.items():
            previous = trees[3] if epoch == 4 else None
            _write_leaves(conn, epoch, trees[epoch], previous, positions=False)
            for level, nodes in enumerate(levels[1:], start=1):
                old_levels = previous[1] if previous is not None else []
                for index, node in enumerate(nodes):
                    old = old_levels[level] if level < len(old_levels) else []
                    if index < len(old) and old[index] == node:
                        continue
                    conn.execute(
                        text(
                            "INSERT INTO oracle_tree_nodes (level, idx, epoch, hash) "
                            "VALUES (:l, :i, :e, :h)"
                        ),
                        {"l": level, "i": index, "e": epoch, "h": node},
                    )
    engine.dispose()
    upgrade(url)
    engine = create_store_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM oracle_tree_chunks").scalar()
    _assert_proofs_verify(engine, trees)
    engine.dispose()
    downgrade(url, "0009_derived_epoch_credits")
    engine = create_store_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT level, idx, epoch, hash FROM oracle_tree_nodes").all()
    engine.dispose()
    for epoch, (_leaves, levels) in trees.items():
        newest: dict[tuple[int, int], tuple[int, bytes]] = {}
        for level, index, version, node in rows:
            key = (int(level), int(index))
            if int(version) <= epoch and (key not in newest or int(version) > newest[key][0]):
                newest[key] = (int(version), bytes(node))
        for level, nodes in enumerate(levels[1:], start=1):
            assert [newest[(level, i)][1] for i in range(len(nodes))] == nodes


def test_moved_leaves_come_back_in_position_order_with_their_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Step 4's changed leaves arrive in account order; their spooled lines are written in
    position order, across several read batches, with each hash beside its position."""
    from oracle.settlement import engine as settlement_engine

    monkeypatch.setattr(settlement_engine, "BATCH", 3)
    rng = random.Random(8)
    positions = rng.sample(range(1_000), 11)
    moved = settlement_engine._MovedLeaves(tmp_path / "leaves.moved")
    for position in positions:
        moved.add(position, position.to_bytes(32, "big"), f"line {position}\n".encode())
    out = tmp_path / "out"
    with open(out, "wb") as handle:
        ordered, hashes = moved.write_sorted(handle)
    assert list(ordered) == sorted(positions)
    assert bytes(hashes) == b"".join(p.to_bytes(32, "big") for p in sorted(positions))
    assert out.read_bytes() == b"".join(f"line {p}\n".encode() for p in sorted(positions))
    assert not (tmp_path / "leaves.moved").exists()


def _chunk_rows(
    levels: list[list[bytes]], previous: list[list[bytes]] | None, epoch: int, size: int
) -> list[dict[str, object]]:
    """Rows of oracle_tree_chunks (`size` nodes to a row) of a tree's inner levels that differ
    from `previous` (every chunk when None)."""
    rows: list[dict[str, object]] = []
    for level, nodes in enumerate(levels[1:], start=1):
        old = previous[level] if previous is not None and level < len(previous) else []
        for start in range(0, len(nodes), size):
            blob = b"".join(nodes[start : start + size])
            if blob != b"".join(old[start : start + size]):
                rows.append({"l": level, "c": start // size, "e": epoch, "h": blob})
    return rows


def test_migration_0012_rewrites_chunks_of_16_as_chunks_of_64_and_reverts(tmp_path: Path) -> None:
    """A store at 0011 holds epoch 3's whole tree (confirmed) and epoch 4's changed and appended
    chunks (posted), 16 nodes to a row; after 0012 (64 to a row) both epochs' proofs verify
    against their roots with four times fewer rows at the widest level, and the downgrade gives
    every 16-node chunk of both epochs back."""
    url = f"sqlite:///{tmp_path / 'chunks.db'}"
    upgrade(url, "0011_leaf_positions")
    changed = (0, 17, 18, 130, 131, 699)
    trees = _two_epochs(700, changed, 77)
    insert_chunk = text(
        "INSERT INTO oracle_tree_chunks (level, chunk, epoch, hashes) VALUES (:l, :c, :e, :h)"
    )
    engine = create_store_engine(url)
    with engine.begin() as conn:
        for epoch, (_leaves, levels) in trees.items():
            previous = trees[3] if epoch == 4 else None
            _write_leaves(conn, epoch, trees[epoch], previous, positions=True)
            old_levels = previous[1] if previous is not None else None
            conn.execute(insert_chunk, _chunk_rows(levels, old_levels, epoch, 16))
    engine.dispose()

    def level_one_rows() -> int:
        with engine.connect() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT COUNT(*) FROM oracle_tree_chunks WHERE level = 1 AND epoch = 3"
                ).scalar_one()
            )

    assert level_one_rows() == 22  # 350 nodes, 16 to a row
    upgrade(url)
    engine = create_store_engine(url)
    assert level_one_rows() == 6  # 64 to a row
    _assert_proofs_verify(engine, trees, [trees[4][0][p] for p in changed])
    engine.dispose()
    downgrade(url, "0011_leaf_positions")
    engine = create_store_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT level, chunk, epoch, hashes FROM oracle_tree_chunks"
        ).all()
    engine.dispose()
    for epoch, (_leaves, levels) in trees.items():
        newest: dict[tuple[int, int], tuple[int, bytes]] = {}
        for level, chunk, version, blob in rows:
            key = (int(level), int(chunk))
            if int(version) <= epoch and (key not in newest or int(version) > newest[key][0]):
                newest[key] = (int(version), bytes(blob))
        expected = {(r["l"], r["c"]): r["h"] for r in _chunk_rows(levels, None, epoch, 16)}
        assert {key: blob for key, (_v, blob) in newest.items()} == expected


@pytest.mark.parametrize(
    ("indexes", "fails"),
    [([3, 4], False), ([0, 2, 3], False), ([4], True), ([0, 4], True), ([4, 5], True)],
)
def test_a_recomputed_node_past_the_end_of_its_stored_chunk_is_refused(
    store: Engine, indexes: list[int], fails: bool
) -> None:
    """A level's stored chunk holds 3 nodes: a rebuild may overwrite them or append right after
    them (in one run or node by node), never leave a gap (an appended node would be missing)."""
    node = [bytes([i]) * 32 for i in range(8)]
    written: list[tuple[int, int, int, bytes]] = []
    with store.begin() as conn:
        conn.execute(
            insert(tree_chunks).values(level=1, chunk=0, epoch=1, hashes=b"".join(node[:3]))
        )
        writer = ChunkWriter(conn, 1, 2, written.append)
        hashes = b"".join(node[7] for _ in indexes)
        if fails:
            with pytest.raises(ValueError, match="an appended node is missing"):
                writer.nodes(1, indexes, hashes)
            return
        writer.nodes(1, indexes, hashes)
    expected = list(node[:3])
    for index in indexes:
        expected[index : index + 1] = [node[7]]
    assert written == [(1, 0, 2, b"".join(expected))]
