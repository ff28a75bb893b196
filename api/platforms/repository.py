"""Queries on onboarded platforms."""

from __future__ import annotations

from sqlmodel import Session, col, select

from api.platforms.models import PlatformAccount


class PlatformRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_api_key_hash(self, key_hash: str) -> PlatformAccount | None:
        return self.session.exec(
            select(PlatformAccount).where(PlatformAccount.api_key_hash == key_hash)
        ).first()

    def get(self, platform_id: int) -> PlatformAccount | None:
        return self.session.get(PlatformAccount, platform_id)

    def by_name(self, name: str) -> PlatformAccount | None:
        return self.session.exec(
            select(PlatformAccount).where(PlatformAccount.name == name)
        ).first()

    def page(self, offset: int, limit: int) -> tuple[list[PlatformAccount], int]:
        from sqlalchemy import func

        total = self.session.exec(select(func.count()).select_from(PlatformAccount)).one()
        rows = self.session.exec(
            select(PlatformAccount)
            .order_by(col(PlatformAccount.platform_id))
            .offset(offset)
            .limit(limit)
        ).all()
        return list(rows), int(total)

    def add(self, platform: PlatformAccount) -> None:
        self.session.add(platform)
        self.session.commit()
