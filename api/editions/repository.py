"""Queries on editions and operator mint orders."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.editions.models import Edition, MintOrder


class EditionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, edition_id: int) -> Edition | None:
        return self.session.get(Edition, edition_id)

    def of_tracks(self, track_ids: Sequence[int]) -> list[Edition]:
        if not track_ids:
            return []
        return list(
            self.session.exec(select(Edition).where(col(Edition.track_id).in_(list(track_ids))))
        )

    def page(self, offset: int, limit: int, track_id: int | None) -> tuple[list[Edition], int]:
        query = select(Edition)
        if track_id is not None:
            query = query.where(Edition.track_id == track_id)
        total = self.session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = self.session.exec(
            query.order_by(col(Edition.edition_id)).offset(offset).limit(limit)
        )
        return list(rows), int(total)

    def add(self, edition: Edition) -> None:
        self.session.add(edition)
        self.session.commit()

    def order(self, order_id: str) -> MintOrder | None:
        return self.session.get(MintOrder, order_id)

    def add_order(self, order: MintOrder) -> None:
        self.session.add(order)
        self.session.commit()
