"""Address forms: stored lower-case (text order = byte order), returned checksummed."""

from __future__ import annotations

import re

from eth_utils.address import to_checksum_address

from oracle.errors import EpochError

_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def stored(address: str) -> str:
    """The stored form of an address: 0x + 40 lower-case hex digits."""
    if not _ADDRESS.match(address):
        raise EpochError(f"not a 0x-prefixed 20-byte hex address: {address!r}")
    return address.lower()


def checksum(address: str) -> str:
    return str(to_checksum_address(address))
