"""Governance changes from chain events: what is queued (and from when it can be applied),
what was applied and what the guardian or owner cancelled."""

from __future__ import annotations

from typing import Any

from eth_abi.abi import decode
from sqlmodel import Session
from web3 import Web3

from api.governance.repository import GovernanceRepository
from api.governance.schemas import ChangeStatus, GovernanceChange, GovernanceChanges
from chain_client.contracts.usage_settlement import ChangeKind

_TYPES: dict[ChangeKind, list[str]] = {
    ChangeKind.SIGNERS: ["address[]", "uint8"],
    ChangeKind.GUARDIAN: ["address"],
    ChangeKind.ROOT_DELAY: ["uint64"],
    ChangeKind.WITHDRAWAL_DELAY: ["uint64"],
    ChangeKind.RATES: ["uint256", "uint256[6]", "uint64"],
}


def decode_change(kind: ChangeKind, data: bytes) -> dict[str, Any]:
    """The queued change's arguments by name (rates as decimal strings: they exceed 2^53)."""
    values = decode(_TYPES[kind], data)
    if kind is ChangeKind.SIGNERS:
        return {
            "signers": [Web3.to_checksum_address(a) for a in values[0]],
            "threshold": int(values[1]),
        }
    if kind is ChangeKind.GUARDIAN:
        return {"guardian": Web3.to_checksum_address(values[0])}
    if kind is ChangeKind.RATES:
        return {
            "platform_id": int(values[0]),
            "rates": [str(r) for r in values[1]],
            "effective_from": int(values[2]),
        }
    return {"seconds": int(values[0])}


class GovernanceService:
    def __init__(self, session: Session) -> None:
        self.repo = GovernanceRepository(session)

    def changes(self, status: ChangeStatus | None = None) -> GovernanceChanges:
        found: dict[int, GovernanceChange] = {}
        for event in self.repo.events():
            args = event.args
            change_id = int(args["changeId"])
            if event.event == "ChangeQueued":
                kind = ChangeKind(int(args["kind"]))
                data = str(args["data"])
                found[change_id] = GovernanceChange(
                    change_id=change_id,
                    kind=kind.name.lower(),
                    status=ChangeStatus.queued,
                    eta=int(args["eta"]),
                    data=data,
                    args=decode_change(kind, bytes.fromhex(data.removeprefix("0x"))),
                    queued_tx=event.tx_hash,
                    queued_block=event.block_number,
                )
                continue
            change = found.get(change_id)
            if change is None:  # its ChangeQueued is before the indexer's start block
                continue
            if event.event == "ChangeApplied":
                change.status, change.applied_tx = ChangeStatus.applied, event.tx_hash
            else:
                change.status, change.cancelled_tx = ChangeStatus.cancelled, event.tx_hash
                change.cancelled_by = str(args["by"])
        items = [c for _id, c in sorted(found.items()) if status is None or c.status is status]
        pending = sum(1 for c in found.values() if c.status is ChangeStatus.queued)
        return GovernanceChanges(items=items, pending=pending)
