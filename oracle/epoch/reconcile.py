"""Reconciliation with the chain: an epoch is confirmed only when its RootPosted and
PlatformDebited events match what was computed and its root is valid (not pending, not revoked);
then its totals and reports count as settled. A revoked epoch settles nothing: its usage rolls
into the next epoch.

A debit the chain held back (DebitHeldBack in the post's receipt: the platform's escrow was
short at the post, e.g. a matured withdrawal executed after the oracle read the escrow) is
recorded as unpaid (oracle_epoch_unpaid), never counted as debited, and once the epoch is
confirmed carried into that platform's next debit (oracle_carried_debits): the epoch's leaves
already include that platform's amounts, so the next debit makes what was debited cover them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from oracle.epoch.chain_view import PostedRoot, SettlementView
from oracle.epoch.errors import ReconciliationMismatch
from oracle.store import epoch_repository as repo


@dataclass(frozen=True, slots=True)
class Reconciled:
    state: str
    """not_posted | pending (posted, inside the guardian's revoke window) | confirmed | revoked"""
    posted: PostedRoot | None = None


def reconcile_epoch(engine: Engine, view: SettlementView, epoch: int) -> Reconciled:
    with engine.connect() as conn:
        record = repo.get_epoch(conn, epoch)
        debits = repo.debits_of(conn, epoch)
    if record is None:
        raise ReconciliationMismatch(f"epoch {epoch} is not in this store")
    posted = view.root_posted(epoch, record.block_number)
    if posted is None:
        return Reconciled("not_posted")
    if (posted.root, posted.data_hash) != (record.root, record.data_hash):
        raise ReconciliationMismatch(
            f"epoch {epoch} on chain has root {posted.root} / dataHash {posted.data_hash}, "
            f"this store computed {record.root} / {record.data_hash}"
        )
    chain_debits = view.platform_debits(epoch, posted.block_number)
    unpaid = view.debits_held_back(posted.tx_hash) if len(chain_debits) < len(debits) else []
    if sorted(chain_debits + [(p, a) for p, a, _e in unpaid]) != debits:
        raise ReconciliationMismatch(
            f"epoch {epoch} debited {chain_debits} and held back {unpaid} on chain, "
            f"this store computed {debits}"
        )
    if unpaid and record.status != "confirmed":
        with engine.begin() as conn:
            repo.save_unpaid(conn, epoch, unpaid)
    if record.status == "confirmed":
        return Reconciled("confirmed", posted)
    if view.revoked(epoch, posted.block_number):
        with engine.begin() as conn:
            repo.update_epoch(conn, epoch, status="revoked", note="revoked by the guardian")
        return Reconciled("revoked", posted)
    if posted.valid_at > view.latest_timestamp():
        if record.status != "posted":
            with engine.begin() as conn:
                repo.update_epoch(
                    conn,
                    epoch,
                    status="posted",
                    posted_block=posted.block_number,
                    tx_hash=posted.tx_hash,
                )
        return Reconciled("pending", posted)
    with engine.begin() as conn:
        repo.confirm_epoch(conn, epoch, posted.block_number, posted.tx_hash)
    return Reconciled("confirmed", posted)
