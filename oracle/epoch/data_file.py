"""The published epoch data file: canonical JSON bytes and their keccak256 (the dataHash).

Anyone holding the file can check every leaf against the posted root and recompute every amount
from the on-chain rate cards. Integers are decimal strings so no JSON reader rounds them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_utils.crypto import keccak

from oracle.epoch.totals import HeldBack, PlatformState
from oracle.epoch.tree_builder import LeafEntry

FORMAT = "ai-music-royalties/settlement-epoch/v1"
AMOUNT_RULE = (
    "amount(track, platform, class) = floor(cumulativeMicroUnits * rate / 1e12); "
    "a rate change keeps settled amounts and prices only the growth at the new rate; "
    "leaf cumulativeAmount = sum over platforms and classes"
)


@dataclass(frozen=True, slots=True)
class EpochHeader:
    epoch: int
    chain_id: int
    settlement: str
    config_version: int
    cut_seq: int
    block_number: int
    root: str


def _units(values: Iterable[int]) -> list[str]:
    return list(map(str, values))


def data_file_document(
    header: EpochHeader,
    platforms: Mapping[int, PlatformState],
    debits: Sequence[tuple[int, int]],
    held_back: Sequence[HeldBack],
    below_settled: Sequence[tuple[tuple[int, int, int], int, int]],
    report_ids: Iterable[tuple[int, str]],
    leaves: Sequence[LeafEntry],
    proofs: Sequence[Sequence[str]],
) -> dict[str, object]:
    return {
        "format": FORMAT,
        "epoch": header.epoch,
        "chainId": header.chain_id,
        "settlement": header.settlement,
        "configVersion": header.config_version,
        "cutSequence": header.cut_seq,
        "blockNumber": header.block_number,
        "root": header.root,
        "leafEncoding": ["address", "address", "uint256", "uint256[6]"],
        "amountRule": AMOUNT_RULE,
        "rateCards": [
            {"platformId": p.platform_id, "token": p.token, "rates": _units(p.rates)}
            for _, p in sorted(platforms.items())
        ],
        "debits": [{"platformId": pid, "amount": str(amount)} for pid, amount in debits],
        "heldBack": [
            {"platformId": h.platform_id, "debit": str(h.debit), "escrow": str(h.escrow)}
            for h in held_back
        ],
        "belowSettled": [
            {
                "trackId": track,
                "platformId": platform_id,
                "usageClass": usage_class,
                "settledUnits": str(settled_units),
                "storeUnits": str(store_units),
            }
            for (track, platform_id, usage_class), settled_units, store_units in below_settled
        ],
        "reports": [{"platformId": pid, "reportId": rid} for pid, rid in sorted(set(report_ids))],
        "leaves": [
            {
                "trackId": leaf.track_id,
                "split": leaf.split,
                "token": leaf.token,
                "cumulativeAmount": str(leaf.cumulative_amount),
                "cumulativeUnits": _units(leaf.cumulative_units),
                "platforms": [
                    {
                        "platformId": usage.platform_id,
                        "units": _units(usage.units),
                        "amounts": _units(usage.amounts),
                    }
                    for usage in leaf.platforms
                ],
                "proof": list(proof),
            }
            for leaf, proof in zip(leaves, proofs, strict=True)
        ],
    }


def canonical_bytes(document: Mapping[str, object]) -> bytes:
    """Sorted keys, no whitespace, ASCII: every node gets the same bytes for the same document."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def data_hash(content: bytes) -> str:
    return "0x" + keccak(content).hex()


def data_file_path(data_dir: Path, chain_id: int, settlement: str, epoch: int) -> Path:
    return data_dir / "epochs" / f"{chain_id}-{settlement.lower()}" / f"epoch-{epoch:08d}.json"


def write_data_file(path: Path, content: bytes) -> None:
    """Writes atomically (temporary file, fsync, rename) so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
