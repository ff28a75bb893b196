"""Reconciliation with the chain: an epoch is confirmed only when its RootPosted and PlatformDebited
events match what was computed; then its totals and reports count as settled."""

from __future__ import annotations

from sqlalchemy import Engine

from oracle.epoch.chain_view import PostedRoot, SettlementView
from oracle.epoch.errors import ReconciliationMismatch
from oracle.store import epoch_repository as repo


def reconcile_epoch(engine: Engine, view: SettlementView, epoch: int) -> PostedRoot | None:
    """Confirms `epoch` from chain events; None when the chain has not posted it yet."""
    with engine.connect() as conn:
        record = repo.get_epoch(conn, epoch)
        debits = repo.debits_of(conn, epoch)
    if record is None:
        raise ReconciliationMismatch(f"epoch {epoch} is not in this store")
    posted = view.root_posted(epoch, record.block_number)
    if posted is None:
        return None
    if (posted.root, posted.data_hash) != (record.root, record.data_hash):
        raise ReconciliationMismatch(
            f"epoch {epoch} on chain has root {posted.root} / dataHash {posted.data_hash}, "
            f"this store computed {record.root} / {record.data_hash}"
        )
    chain_debits = view.platform_debits(epoch, posted.block_number)
    if chain_debits != debits:
        raise ReconciliationMismatch(
            f"epoch {epoch} debited {chain_debits} on chain, this store computed {debits}"
        )
    if record.status != "confirmed":
        with engine.begin() as conn:
            repo.confirm_epoch(conn, epoch, posted.block_number, posted.tx_hash)
    return posted
