"""Posting a signed Report: the raw transaction and its hash are persisted BEFORE broadcast, so a
restart re-sends the same bytes instead of signing a second posting."""

from __future__ import annotations

from hexbytes import HexBytes
from sqlalchemy import Engine
from web3.types import TxReceipt

from chain_client.eip712 import SettlementReport
from chain_client.errors import ContractRevert, TransactionFailed
from chain_client.sender import TransactionSender, call_target
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.crash import CrashHook
from oracle.store import epoch_repository as repo


class Poster:
    def __init__(
        self, engine: Engine, view: SettlementView, sender: TransactionSender, crash: CrashHook
    ) -> None:
        self.engine = engine
        self.view = view
        self.sender = sender
        self.crash = crash

    def sign_and_send(self, epoch: int, report: SettlementReport, signatures: list[bytes]) -> str:
        """Prepares, persists and broadcasts the post; raises ContractRevert if it would revert."""
        to, data = call_target(self.view.post_function(report.as_abi_tuple(), signatures))
        signed = self.sender.prepare({"to": to, "data": data})
        with self.engine.begin() as conn:
            repo.update_epoch(
                conn,
                epoch,
                status="tx_signed",
                tx_hash=signed.tx_hash,
                raw_tx=HexBytes(signed.raw).to_0x_hex(),
                tx_nonce=signed.nonce,
            )
        self.crash("after_tx_sign")
        self.sender.broadcast(signed)
        self.crash("after_send")
        with self.engine.begin() as conn:
            repo.update_epoch(conn, epoch, status="sent")
        self.crash("before_receipt")
        return str(signed.tx_hash)

    def resend(self, epoch: int, raw_tx: str) -> str | None:
        """Re-sends a persisted transaction; None when its nonce went to another transaction."""
        try:
            tx_hash = self.sender.rebroadcast(raw_tx)
        except ContractRevert:
            raise
        except TransactionFailed:
            return None
        with self.engine.begin() as conn:
            repo.update_epoch(conn, epoch, status="sent")
        return str(tx_hash)

    def wait(self, tx_hash: str) -> TxReceipt:
        return self.sender.wait_for_receipt(tx_hash)
