"""Decodes raw logs of the followed contracts into (contract, event, JSON-safe args)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils.crypto import keccak
from web3 import Web3
from web3._utils.events import get_event_data
from web3.types import LogReceipt

FOLLOWED = {
    "TrackRegistry": (
        "TrackRegistered",
        "TierChanged",
        "ConsentChanged",
        "MetadataHashChanged",
        "ControlTransferred",
    ),
    "UsageSettlement": (
        "PlatformRegistered",
        "RatesChanged",
        "EscrowDeposited",
        "WithdrawalRequested",
        "EscrowWithdrawn",
        "RootPosted",
        "PlatformDebited",
        "RootRevoked",
        "DebitRefunded",
        "DebitHeldBack",
        "Claimed",
        "ChangeQueued",
        "ChangeApplied",
        "ChangeCancelled",
    ),
    "TrackEditions": ("EditionCreated", "EditionPurchased", "EditionMinted"),
    "TrackSplit": ("Released",),
}


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > 2**53 else value
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str) and Web3.is_address(value):
        return str(Web3.to_checksum_address(value))
    return value


def event_signature(abi: dict[str, Any]) -> bytes:
    types = ",".join(_canonical(i) for i in abi["inputs"])
    return keccak(text=f"{abi['name']}({types})")


def _canonical(param: dict[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(_canonical(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


@dataclass(frozen=True)
class DecodedEvent:
    contract: str
    event: str
    args: dict[str, Any]


class EventDecoder:
    def __init__(self, abis: dict[str, list[dict[str, Any]]], codec: Any) -> None:
        self._codec = codec
        self._by_topic: dict[bytes, tuple[str, dict[str, Any]]] = {}
        for contract, names in FOLLOWED.items():
            for entry in abis[contract]:
                if entry.get("type") == "event" and entry["name"] in names:
                    self._by_topic[event_signature(entry)] = (contract, entry)

    def topics_of(self, contract: str) -> list[bytes]:
        return [t for t, (c, _) in self._by_topic.items() if c == contract]

    def decode(self, log: LogReceipt) -> DecodedEvent | None:
        if not log["topics"]:
            return None
        found = self._by_topic.get(bytes(log["topics"][0]))
        if found is None:
            return None
        contract, abi = found
        data = get_event_data(self._codec, abi, log)
        return DecodedEvent(
            contract, abi["name"], {k: _jsonable(v) for k, v in data["args"].items()}
        )
