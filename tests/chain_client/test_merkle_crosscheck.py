"""The Python StandardMerkleTree against the OpenZeppelin JavaScript library, run by node."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chain_client.constants import NATIVE_TOKEN
from chain_client.merkle import (
    SETTLEMENT_LEAF_TYPES,
    MerkleTreeError,
    StandardMerkleTree,
    account_leaf_types,
)

REFERENCE_SCRIPT = Path(__file__).resolve().parents[1] / "js" / "merkle_reference.mjs"
PROJECT_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


def run_reference(types: list[str], values: list[list[Any]]) -> dict[str, Any]:
    payload = json.dumps({"types": types, "values": values})
    result = subprocess.run(
        ["node", str(REFERENCE_SCRIPT)],
        input=payload.encode(),
        capture_output=True,
        cwd=PROJECT_ROOT,
        check=True,
        timeout=60,
    )
    reply: dict[str, Any] = json.loads(result.stdout)
    return reply


def settlement_values(count: int, seed: int) -> list[list[Any]]:
    rng = random.Random(seed)
    values = []
    for _ in range(count):
        split = "0x" + rng.randbytes(20).hex()
        token = NATIVE_TOKEN if rng.random() < 0.5 else "0x" + rng.randbytes(20).hex()
        units = [str(rng.randrange(0, 10**15)) for _ in range(6)]
        values.append([split, token, str(rng.randrange(0, 2**256)), units])
    return values


@pytest.mark.parametrize("count", [1, 2, 3, 7, 100])
def test_root_proofs_and_dump_match_openzeppelin(count: int) -> None:
    values = settlement_values(count, seed=count)
    reference = run_reference(list(SETTLEMENT_LEAF_TYPES), values)

    tree = StandardMerkleTree.of(values, SETTLEMENT_LEAF_TYPES)

    assert tree.root_hex == reference["root"]
    assert [tree.get_proof_hex(i) for i in range(count)] == reference["proofs"]
    assert tree.dump() == reference["dump"]
    for i in range(count):
        assert tree.verify(i, tree.get_proof(i))


@pytest.mark.parametrize("count", [1, 2, 5, 64])
def test_account_leaves_match_openzeppelin(count: int) -> None:
    """The settlement leaf (account, token, cumulativeAmount) that UsageSettlement.claim proves."""
    rng = random.Random(1_000 + count)
    values = [
        [
            "0x" + rng.randbytes(20).hex(),
            NATIVE_TOKEN if rng.random() < 0.5 else "0x" + rng.randbytes(20).hex(),
            str(rng.randrange(0, 2**256)),
        ]
        for _ in range(count)
    ]
    reference = run_reference(list(account_leaf_types), values)
    tree = StandardMerkleTree.of(values, account_leaf_types)
    assert account_leaf_types == ("address", "address", "uint256")
    assert tree.root_hex == reference["root"]
    assert [tree.get_proof_hex(i) for i in range(count)] == reference["proofs"]
    assert tree.dump() == reference["dump"]


def test_python_loads_the_javascript_dump_and_rejects_a_tampered_one() -> None:
    values = settlement_values(7, seed=99)
    reference = run_reference(list(SETTLEMENT_LEAF_TYPES), values)

    loaded = StandardMerkleTree.load(reference["dump"])
    assert loaded.root_hex == reference["root"]
    assert loaded.leaf_lookup(values[3]) == 3
    assert loaded.get_proof_hex(values[3]) == reference["proofs"][3]

    tampered = json.loads(json.dumps(reference["dump"]))
    tampered["values"][0]["value"][2] = "1"
    with pytest.raises(MerkleTreeError, match="does not match its leaf hash"):
        StandardMerkleTree.load(tampered)


def test_integer_values_match_decimal_strings() -> None:
    as_strings = settlement_values(3, seed=5)
    as_ints = [[v[0], v[1], int(v[2]), [int(u) for u in v[3]]] for v in as_strings]
    assert (
        StandardMerkleTree.of(as_ints, SETTLEMENT_LEAF_TYPES).root
        == StandardMerkleTree.of(as_strings, SETTLEMENT_LEAF_TYPES).root
    )


def test_other_leaf_types_match_openzeppelin() -> None:
    types = ["address", "uint96", "bytes32", "bool", "string"]
    values = [
        [
            "0x" + bytes([i] * 20).hex(),
            str(i * 1000),
            "0x" + bytes([i] * 32).hex(),
            i % 2 == 0,
            f"t{i}",
        ]
        for i in range(1, 6)
    ]
    reference = run_reference(types, values)
    tree = StandardMerkleTree.of(values, types)
    assert tree.root_hex == reference["root"]
    assert [tree.get_proof_hex(i) for i in range(5)] == reference["proofs"]
