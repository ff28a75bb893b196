"""Queries on tracks and their contributors."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.tracks.models import Track, TrackContributor


class TrackRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, track_id: int) -> Track | None:
        return self.session.get(Track, track_id)

    def by_idempotency_key(self, key: str) -> Track | None:
        return self.session.exec(select(Track).where(Track.idempotency_key == key)).first()

    def by_isrc(self, isrc: str) -> Track | None:
        return self.session.exec(select(Track).where(Track.isrc == isrc)).first()

    def contributors(self, track_id: int) -> list[TrackContributor]:
        return list(
            self.session.exec(
                select(TrackContributor)
                .where(TrackContributor.track_id == track_id)
                .order_by(col(TrackContributor.address))
            ).all()
        )

    def contributors_of(self, track_ids: Sequence[int]) -> dict[int, list[TrackContributor]]:
        grouped: dict[int, list[TrackContributor]] = {t: [] for t in track_ids}
        if not track_ids:
            return grouped
        rows = self.session.exec(
            select(TrackContributor)
            .where(col(TrackContributor.track_id).in_(track_ids))
            .order_by(col(TrackContributor.address))
        ).all()
        for row in rows:
            grouped[row.track_id].append(row)
        return grouped

    def page(
        self, offset: int, limit: int, *, controller: str | None, contributor: str | None
    ) -> tuple[list[Track], int]:
        query = select(Track)
        if controller is not None:
            query = query.where(Track.controller == controller)
        if contributor is not None:
            query = query.where(
                col(Track.track_id).in_(
                    select(TrackContributor.track_id).where(TrackContributor.address == contributor)
                )
            )
        total = self.session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = self.session.exec(query.order_by(col(Track.track_id)).offset(offset).limit(limit))
        return list(rows.all()), int(total)

    def tracks_of_contributor(self, address: str) -> list[tuple[Track, TrackContributor]]:
        rows = self.session.exec(
            select(Track, TrackContributor)
            .join(TrackContributor, col(TrackContributor.track_id) == col(Track.track_id))
            .where(TrackContributor.address == address)
            .order_by(col(Track.track_id))
        ).all()
        return [(t, c) for t, c in rows]

    def add(self, track: Track, contributors: list[TrackContributor]) -> None:
        self.session.add(track)
        self.session.flush()
        self.session.add_all(contributors)
        self.session.commit()

    def update_tier(self, track_id: int, tier: int) -> None:
        track = self.get(track_id)
        if track is not None:
            track.tier = tier
            self.session.add(track)
            self.session.commit()
