"""The EIP-712 settlement Report of an epoch and this node's signature over it."""

from __future__ import annotations

from collections.abc import Sequence

from hexbytes import HexBytes

from chain_client.eip712 import (
    Debit,
    SettlementReport,
    order_signatures,
    settlement_report_digest,
    sign_settlement_report,
)


def settlement_report(
    epoch: int, config_version: int, root: str, data_hash: str, debits: Sequence[tuple[int, int]]
) -> SettlementReport:
    return SettlementReport(
        epoch=epoch,
        config_version=config_version,
        root=bytes(HexBytes(root)),
        data_hash=bytes(HexBytes(data_hash)),
        debits=tuple(Debit(platform_id, amount) for platform_id, amount in debits),
    )


def sign_report(
    private_key: str, report: SettlementReport, *, chain_id: int, settlement: str
) -> str:
    signature = sign_settlement_report(
        private_key, report, chain_id=chain_id, verifying_contract=settlement
    )
    return HexBytes(signature).to_0x_hex()


def ordered_signatures(
    report: SettlementReport, signatures: Sequence[str], *, chain_id: int, settlement: str
) -> list[bytes]:
    """Signatures ordered by recovered signer, ascending, as `post` requires."""
    digest = settlement_report_digest(report, chain_id=chain_id, verifying_contract=settlement)
    return order_signatures(digest, signatures)
