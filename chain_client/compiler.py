"""Compile the project's Solidity sources with py-solc-x and cache the artifacts under .build/.

Every source, including the OpenZeppelin files they import, is passed to solc as content in a
standard-JSON input, so the compiler never touches the file system (solcjs cannot resolve paths
outside the project reliably). Artifacts are cached by a hash of all sources and settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chain_client.errors import CompilationError

SOURCE_DIR = "contracts/src"
OZ49_PAYMENT_SPLITTER = "node_modules/oz49/finance/PaymentSplitter.sol"
REMAPPINGS: tuple[tuple[str, str], ...] = (
    ("@openzeppelin/contracts/", "node_modules/@openzeppelin/contracts/"),
    ("oz49/", "node_modules/oz49/"),
)
# Matches foundry.toml so Python-deployed bytecode behaves (and costs gas) like forge's.
COMPILER_SETTINGS: dict[str, Any] = {
    "optimizer": {"enabled": True, "runs": 10_000},
    "evmVersion": "cancun",
    "remappings": [f"{prefix}={target}" for prefix, target in REMAPPINGS],
    "outputSelection": {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]},
    },
}

_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.DOTALL)
_IMPORT = re.compile(r"""\bimport\s+(?:[^;"']*?\s+from\s+)?["']([^"']+)["'][^;]*;""", re.DOTALL)


def default_project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ContractArtifact:
    name: str
    source: str
    abi: list[dict[str, Any]]
    bytecode: bytes
    deployed_bytecode: bytes


class Artifacts:
    """Compiled contracts, looked up by contract name (or "path:Name" when a name is ambiguous)."""

    def __init__(self, contracts: Iterable[ContractArtifact]) -> None:
        self._by_qualified: dict[str, ContractArtifact] = {}
        by_name: dict[str, list[ContractArtifact]] = {}
        for artifact in contracts:
            self._by_qualified[f"{artifact.source}:{artifact.name}"] = artifact
            by_name.setdefault(artifact.name, []).append(artifact)
        self._by_name: dict[str, ContractArtifact] = {}
        for name, candidates in by_name.items():
            own = [a for a in candidates if a.source.startswith(SOURCE_DIR + "/")]
            if len(candidates) == 1:
                self._by_name[name] = candidates[0]
            elif len(own) == 1:
                self._by_name[name] = own[0]

    def get(self, name: str) -> ContractArtifact:
        artifact = self._by_qualified.get(name) or self._by_name.get(name)
        if artifact is None:
            raise CompilationError(f"no compiled contract named {name!r}")
        return artifact

    def abi(self, name: str) -> list[dict[str, Any]]:
        return self.get(name).abi

    def bytecode(self, name: str) -> bytes:
        return self.get(name).bytecode

    def deployed_bytecode(self, name: str) -> bytes:
        return self.get(name).deployed_bytecode

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._by_qualified or name in self._by_name)

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def all(self) -> list[ContractArtifact]:
        return list(self._by_qualified.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "contracts": [
                {
                    "name": a.name,
                    "source": a.source,
                    "abi": a.abi,
                    "bytecode": a.bytecode.hex(),
                    "deployedBytecode": a.deployed_bytecode.hex(),
                }
                for a in self._by_qualified.values()
            ]
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Artifacts:
        return cls(
            ContractArtifact(
                name=c["name"],
                source=c["source"],
                abi=c["abi"],
                bytecode=bytes.fromhex(c["bytecode"]),
                deployed_bytecode=bytes.fromhex(c["deployedBytecode"]),
            )
            for c in data["contracts"]
        )


def find_solc(project_root: Path) -> Path:
    """A native `solc` on PATH when there is one, else the solcjs adapter in tools/."""
    native = shutil.which("solc")
    if native:
        return Path(native)
    adapter = project_root / "tools" / "solc"
    if not adapter.exists():
        raise CompilationError(f"no solc on PATH and no adapter at {adapter}")
    return adapter


def collect_sources(project_root: Path, entry_units: Iterable[str]) -> dict[str, str]:
    """Read the entry files and, transitively, every file they import; unit name -> content."""
    sources: dict[str, str] = {}
    pending = list(entry_units)
    while pending:
        unit = pending.pop()
        if unit in sources:
            continue
        path = project_root / unit
        try:
            content = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CompilationError(f"cannot read Solidity source {unit}: {exc}") from exc
        sources[unit] = content
        for imported in _IMPORT.findall(_COMMENTS.sub("", content)):
            pending.append(resolve_import(unit, imported))
    return dict(sorted(sources.items()))


def resolve_import(importer: str, imported: str) -> str:
    if imported.startswith(("./", "../")):
        return posixpath.normpath(posixpath.join(posixpath.dirname(importer), imported))
    for prefix, target in REMAPPINGS:
        if imported.startswith(prefix):
            return target + imported[len(prefix) :]
    return posixpath.normpath(imported)


def project_source_units(project_root: Path) -> list[str]:
    src = project_root / SOURCE_DIR
    return sorted(p.relative_to(project_root).as_posix() for p in src.rglob("*.sol"))


def compile_contracts(project_root: Path | None = None) -> Artifacts:
    """Compile every contract under contracts/src (cached)."""
    root = project_root or default_project_root()
    units = project_source_units(root)
    if not units:
        raise CompilationError(f"no Solidity sources under {root / SOURCE_DIR}")
    return compile_units(root, units)


def compile_oz_payment_splitter(project_root: Path | None = None) -> Artifacts:
    """OpenZeppelin 4.9.6 PaymentSplitter, the baseline for the claim gas benchmark."""
    root = project_root or default_project_root()
    return compile_units(root, [OZ49_PAYMENT_SPLITTER])


def compile_units(project_root: Path, entry_units: Iterable[str]) -> Artifacts:
    standard_input, solc, cache_file = _prepare(project_root, entry_units)
    cached = _read_cache(cache_file)
    if cached is not None:
        return cached
    artifacts = _run_solc(standard_input, solc)
    _write_cache(cache_file, artifacts)
    return artifacts


def cache_path_for(project_root: Path | None = None) -> Path:
    """The cache file compile_contracts uses for the current sources (for tests and tooling)."""
    root = project_root or default_project_root()
    return _prepare(root, project_source_units(root))[2]


def _prepare(project_root: Path, entry_units: Iterable[str]) -> tuple[dict[str, Any], Path, Path]:
    sources = collect_sources(project_root, entry_units)
    standard_input = {
        "language": "Solidity",
        "sources": {unit: {"content": content} for unit, content in sources.items()},
        "settings": COMPILER_SETTINGS,
    }
    solc = find_solc(project_root)
    # The compiler's resolved path is part of the key: a native solc and the solcjs adapter
    # may produce different bytecode for the same input.
    digest = hashlib.sha256(
        json.dumps([standard_input, str(solc.resolve())], sort_keys=True).encode()
    ).hexdigest()
    return standard_input, solc, project_root / ".build" / f"artifacts-{digest}.json"


def _run_solc(standard_input: dict[str, Any], solc: Path) -> Artifacts:
    import solcx
    from solcx.exceptions import SolcError

    try:
        output = solcx.compile_standard(standard_input, solc_binary=str(solc))
    except SolcError as exc:
        raise CompilationError(f"solc failed: {exc}") from exc
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        details = "\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors)
        raise CompilationError(f"solc reported errors:\n{details}")
    contracts: list[ContractArtifact] = []
    for source, by_name in output.get("contracts", {}).items():
        for name, data in by_name.items():
            evm = data.get("evm", {})
            contracts.append(
                ContractArtifact(
                    name=name,
                    source=source,
                    abi=data.get("abi", []),
                    bytecode=bytes.fromhex(evm.get("bytecode", {}).get("object", "")),
                    deployed_bytecode=bytes.fromhex(
                        evm.get("deployedBytecode", {}).get("object", "")
                    ),
                )
            )
    return Artifacts(contracts)


def _read_cache(cache_file: Path) -> Artifacts | None:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        return Artifacts.from_json(data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(cache_file: Path, artifacts: Artifacts) -> None:
    # Write then rename so a crash or a parallel run never leaves a half-written cache.
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".artifacts-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(artifacts.to_json(), handle)
        os.replace(tmp, cache_file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
