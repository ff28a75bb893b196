"""Reads of the indexed governance events."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.indexer.models import ChainEvent

GOVERNANCE_EVENTS = ("ChangeQueued", "ChangeApplied", "ChangeCancelled")


class GovernanceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def events(self) -> list[ChainEvent]:
        """Every governance event of UsageSettlement, in chain order."""
        return list(
            self.session.exec(
                select(ChainEvent)
                .where(
                    col(ChainEvent.contract) == "UsageSettlement",
                    col(ChainEvent.event).in_(GOVERNANCE_EVENTS),
                )
                .order_by(col(ChainEvent.block_number), col(ChainEvent.log_index))
            ).all()
        )
