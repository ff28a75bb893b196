"""The indexer's storage: block hashes seen, decoded events, and editions recorded from events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from api.editions.models import Edition
from api.indexer.models import ChainEvent, IndexedBlock


class IndexerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_block(self) -> IndexedBlock | None:
        return (
            self.session.execute(
                select(IndexedBlock).order_by(col(IndexedBlock.block_number).desc()).limit(1)
            )
            .scalars()
            .first()
        )

    def blocks_from_top(self, limit: int) -> list[IndexedBlock]:
        return list(
            self.session.execute(
                select(IndexedBlock).order_by(col(IndexedBlock.block_number).desc()).limit(limit)
            ).scalars()
        )

    def rollback_above(self, block_number: int) -> int:
        """Deletes what was indexed above `block_number`; returns the number of events removed."""
        removed = list(
            self.session.execute(
                select(ChainEvent).where(col(ChainEvent.block_number) > block_number)
            ).scalars()
        )
        created_txs = [e.tx_hash for e in removed if e.event == "EditionCreated"]
        if created_txs:
            self.session.execute(delete(Edition).where(col(Edition.created_tx).in_(created_txs)))
        self.session.execute(delete(ChainEvent).where(col(ChainEvent.block_number) > block_number))
        self.session.execute(
            delete(IndexedBlock).where(col(IndexedBlock.block_number) > block_number)
        )
        return len(removed)

    def save(self, blocks: dict[int, str], events: Sequence[ChainEvent]) -> None:
        for number, block_hash in blocks.items():
            self.session.merge(IndexedBlock(block_number=number, block_hash=block_hash))
        self.session.add_all(events)

    def edition_exists(self, edition_id: int) -> bool:
        return self.session.get(Edition, edition_id) is not None

    def add_edition(self, edition: Edition) -> None:
        self.session.add(edition)

    def event_count(self, event: str | None = None) -> int:
        query = select(func.count()).select_from(ChainEvent)
        if event is not None:
            query = query.where(col(ChainEvent.event) == event)
        return int(self.session.execute(query).scalar() or 0)
