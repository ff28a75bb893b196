"""Field types shared by the schemas: checksummed addresses, 32-byte hashes, uint256 amounts."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from web3 import Web3

UINT256_MAX = 2**256 - 1


def _checksum(value: str) -> str:
    if not Web3.is_address(value):
        raise ValueError("not an Ethereum address (0x followed by 40 hex digits)")
    if value != value.lower() and value != value.upper().replace("0X", "0x"):
        if not Web3.is_checksum_address(value):
            raise ValueError("mixed-case address with a wrong EIP-55 checksum")
    return str(Web3.to_checksum_address(value))


def _amount(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("an amount is an integer in token base units")
    if isinstance(value, int):
        parsed = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 78:
        parsed = int(value)
    else:
        raise ValueError('an amount is a decimal string of token base units, e.g. "1500000"')
    if not 0 <= parsed <= UINT256_MAX:
        raise ValueError("an amount must be between 0 and 2**256-1")
    return parsed


EthAddress = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-fA-F]{40}$",
        examples=["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
    ),
    AfterValidator(_checksum),
]

Bytes32Hex = Annotated[
    str,
    Field(
        pattern=r"^0x[0-9a-fA-F]{64}$",
        examples=["0x" + "ab" * 32],
    ),
    AfterValidator(lambda v: v.lower()),
]

Amount = Annotated[
    int,
    BeforeValidator(_amount),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^[0-9]{1,78}$",
            "description": "Integer amount in token base units, as a decimal string.",
            "examples": ["1500000"],
        }
    ),
]
