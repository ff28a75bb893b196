"""Turn revert data into ContractRevert: match the 4-byte selector against every compiled error."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.conversions import to_bytes
from eth_utils.crypto import keccak

from chain_client.errors import ContractRevert

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)


def canonical_type(param: Mapping[str, Any]) -> str:
    """The ABI type as it appears in a signature, tuples expanded ("(address,uint256)[]")."""
    abi_type: str = param["type"]
    if abi_type.startswith("tuple"):
        inner = ",".join(canonical_type(c) for c in param.get("components", []))
        return f"({inner}){abi_type[len('tuple') :]}"
    return abi_type


def error_selector(error_abi: Mapping[str, Any]) -> bytes:
    types = ",".join(canonical_type(p) for p in error_abi.get("inputs", []))
    return keccak(text=f"{error_abi['name']}({types})")[:4]


@dataclass(frozen=True)
class _KnownError:
    name: str
    types: tuple[str, ...]
    contract: str


class RevertDecoder:
    """Decodes revert data with the custom errors of a set of ABIs."""

    def __init__(self, abis: Iterable[tuple[str, Sequence[Mapping[str, Any]]]]) -> None:
        self._errors: dict[bytes, _KnownError] = {}
        for contract, abi in abis:
            for item in abi:
                if item.get("type") != "error":
                    continue
                selector = error_selector(item)
                # The same error declared in several contracts has one selector; keep the first
                # contract that declares it, preferring the project's own (passed first).
                self._errors.setdefault(
                    selector,
                    _KnownError(
                        item["name"],
                        tuple(canonical_type(p) for p in item.get("inputs", [])),
                        contract,
                    ),
                )

    def known_error_names(self) -> set[str]:
        return {e.name for e in self._errors.values()}

    def decode(self, data: bytes | str | None, *, tx_hash: str | None = None) -> ContractRevert:
        raw = _as_bytes(data)
        if len(raw) < 4:
            return ContractRevert("", (), None, data=raw, tx_hash=tx_hash)
        selector, payload = raw[:4], raw[4:]
        try:
            if selector == ERROR_STRING_SELECTOR:
                return ContractRevert(
                    "Error", tuple(abi_decode(["string"], payload)), None, data=raw, tx_hash=tx_hash
                )
            if selector == PANIC_SELECTOR:
                return ContractRevert(
                    "Panic",
                    tuple(abi_decode(["uint256"], payload)),
                    None,
                    data=raw,
                    tx_hash=tx_hash,
                )
            known = self._errors.get(selector)
            if known is not None:
                decoded = abi_decode(list(known.types), payload)
                args = tuple(_checksummed(t, v) for t, v in zip(known.types, decoded, strict=True))
                return ContractRevert(known.name, args, known.contract, data=raw, tx_hash=tx_hash)
        except Exception:  # noqa: BLE001 - malformed payload: report the raw selector below
            pass
        return ContractRevert(f"0x{selector.hex()}", (payload,), None, data=raw, tx_hash=tx_hash)


def _checksummed(abi_type: str, value: Any) -> Any:
    """Addresses as checksummed strings (eth_abi returns them lowercase), also inside arrays."""
    if abi_type.endswith("]") and isinstance(value, list | tuple):
        inner = abi_type[: abi_type.rindex("[")]
        return tuple(_checksummed(inner, v) for v in value)
    if abi_type == "address" and isinstance(value, str):
        return to_checksum_address(value)
    return value


def _as_bytes(data: bytes | str | None) -> bytes:
    if data is None:
        return b""
    if isinstance(data, bytes):
        return data
    text = data.strip()
    if text.startswith("Reverted "):
        text = text.split(" ", 1)[1]
    if not text.startswith("0x"):
        return b""
    try:
        return to_bytes(hexstr=text)
    except ValueError:
        return b""


def revert_data_from_exception(exc: BaseException) -> bytes | None:
    """Revert data carried by a web3 exception (ContractLogicError and friends), if any."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str | bytes):
        raw = _as_bytes(data)
        return raw
    rpc_response = getattr(exc, "rpc_response", None)
    if isinstance(rpc_response, dict):
        error = rpc_response.get("error") or {}
        if isinstance(error, dict) and isinstance(error.get("data"), str):
            return _as_bytes(error["data"])
    return None


@lru_cache(maxsize=4)
def project_revert_decoder() -> RevertDecoder:
    """A decoder over every ABI compiled from contracts/src (compiled or read from the cache)."""
    from chain_client.compiler import SOURCE_DIR, compile_contracts

    artifacts = compile_contracts()
    ordered = sorted(artifacts.all(), key=lambda a: not a.source.startswith(SOURCE_DIR))
    return RevertDecoder((a.name, a.abi) for a in ordered)
