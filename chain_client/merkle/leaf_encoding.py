"""abi.encode of leaf values, with a direct path for static types (fast for 100k+ leaves)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from eth_abi.abi import encode as abi_encode
from hexbytes import HexBytes

from chain_client.errors import MerkleTreeError
from chain_client.merkle.hashing import keccak

_UINT = re.compile(r"^uint(\d*)$")
_INT = re.compile(r"^int(\d*)$")
_BYTES_N = re.compile(r"^bytes(\d+)$")
_FIXED_ARRAY = re.compile(r"^(.+)\[(\d+)\]$")


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
