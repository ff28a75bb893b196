"""Settlement leaves and proofs from the latest confirmed epoch's published data file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, select
from web3 import Web3

from oracle.epoch.tables import epochs


@dataclass(frozen=True)
class SettlementLeaf:
    epoch: int
    split: str
    token: str
    cumulative_amount: int
    cumulative_units: tuple[int, ...]
    proof: tuple[str, ...]


@dataclass(frozen=True)
class EpochLeaves:
    epoch: int
    root: str
    by_split_token: dict[tuple[str, str], SettlementLeaf]


def latest_confirmed(connection: Connection) -> tuple[int, str, str] | None:
    row = connection.execute(
        select(epochs.c.epoch, epochs.c.root, epochs.c.data_path)
        .where(epochs.c.status == "confirmed")
        .order_by(epochs.c.epoch.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return int(row[0]), str(row[1]), str(row[2])


@lru_cache(maxsize=4)
def _load(path: str, epoch: int, root: str) -> EpochLeaves:
    document = json.loads(Path(path).read_text())
    leaves: dict[tuple[str, str], SettlementLeaf] = {}
    for leaf in document["leaves"]:
        key = (str(leaf["split"]).lower(), str(leaf["token"]).lower())
        leaves[key] = SettlementLeaf(
            epoch=epoch,
            split=str(Web3.to_checksum_address(leaf["split"])),
            token=str(Web3.to_checksum_address(leaf["token"])),
            cumulative_amount=int(leaf["cumulativeAmount"]),
            cumulative_units=tuple(int(u) for u in leaf["cumulativeUnits"]),
            proof=tuple(leaf["proof"]),
        )
    return EpochLeaves(epoch=epoch, root=root, by_split_token=leaves)


def latest_leaves(connection: Connection) -> EpochLeaves | None:
    latest = latest_confirmed(connection)
    if latest is None or not latest[2]:
        return None
    epoch, root, path = latest
    if not Path(path).exists():
        return None
    return _load(path, epoch, root)


def leaves_of_epoch(connection: Connection, epoch: int) -> EpochLeaves | None:
    row = connection.execute(
        select(epochs.c.root, epochs.c.data_path).where(epochs.c.epoch == epoch)
    ).first()
    if row is None or not row[1] or not Path(str(row[1])).exists():
        return None
    return _load(str(row[1]), epoch, str(row[0]))
