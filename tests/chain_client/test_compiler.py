"""The compiler wrapper: import resolution, artifact cache, compile errors (real solc)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chain_client import compiler
from chain_client.compiler import (
    Artifacts,
    cache_path_for,
    collect_sources,
    compile_contracts,
    resolve_import,
)
from chain_client.errors import CompilationError

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_imports_resolve_relative_and_remapped() -> None:
    assert (
        resolve_import("contracts/src/A.sol", "./interfaces/I.sol")
        == "contracts/src/interfaces/I.sol"
    )
    assert resolve_import("contracts/src/x/A.sol", "../B.sol") == "contracts/src/B.sol"
    assert (
        resolve_import("contracts/src/A.sol", "@openzeppelin/contracts/proxy/Clones.sol")
        == "node_modules/@openzeppelin/contracts/proxy/Clones.sol"
    )


def test_sources_include_transitive_openzeppelin_files() -> None:
    sources = collect_sources(PROJECT_ROOT, ["contracts/src/UsageSettlement.sol"])
    assert "node_modules/@openzeppelin/contracts/utils/cryptography/ECDSA.sol" in sources
    assert all(unit.endswith(".sol") for unit in sources)


def test_second_compile_is_served_from_the_cache(
    artifacts: Artifacts, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cache_path_for(PROJECT_ROOT).exists()

    def no_solc(*_: object) -> Artifacts:
        raise AssertionError("solc ran although the sources did not change")

    monkeypatch.setattr(compiler, "_run_solc", no_solc)
    again = compile_contracts(PROJECT_ROOT)
    assert again.names == artifacts.names
    assert again.bytecode("SplitFactory") == artifacts.bytecode("SplitFactory")
    assert again.abi("UsageSettlement") == artifacts.abi("UsageSettlement")


def _scratch_project(root: Path, source: str) -> Path:
    (root / "contracts" / "src").mkdir(parents=True)
    (root / "contracts" / "src" / "Scratch.sol").write_text(source)
    (root / "tools").symlink_to(PROJECT_ROOT / "tools")
    (root / "node_modules").symlink_to(PROJECT_ROOT / "node_modules")
    return root


def test_changed_source_recompiles_and_errors_name_the_problem(tmp_path: Path) -> None:
    good = _scratch_project(
        tmp_path / "good",
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n"
        'import {Context} from "@openzeppelin/contracts/utils/Context.sol";\n'
        "contract Scratch is Context {\n"
        "    function one() external pure returns (uint256) { return 1; }\n"
        "}\n",
    )
    built = compile_contracts(good)
    assert len(built.bytecode("Scratch")) > 0
    assert cache_path_for(good).exists()

    bad = _scratch_project(
        tmp_path / "bad",
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n"
        "contract Scratch { uint256 x = ; }\n",
    )
    with pytest.raises(CompilationError, match="Scratch.sol"):
        compile_contracts(bad)
    assert not cache_path_for(bad).exists()


def test_unknown_contract_name_is_a_clear_error(artifacts: Artifacts) -> None:
    with pytest.raises(CompilationError, match="no compiled contract named 'Nope'"):
        artifacts.abi("Nope")
