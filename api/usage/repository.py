"""Reads report versions, their errors and quarantine through the oracle's store functions."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session

from oracle.errors import ValidationIssue
from oracle.store import report_repository
from oracle.store.quarantine_repository import list_quarantine
from oracle.store.records import QuarantineEntry, ReportVersion
from oracle.store.schema import reports


class UsageRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def page(self, platform_id: int, offset: int, limit: int) -> tuple[list[ReportVersion], int]:
        connection = self.session.connection()
        rows = report_repository.list_reports(
            connection, platform_id=platform_id, limit=limit, offset=offset
        )
        total = connection.execute(
            select(func.count()).select_from(reports).where(reports.c.platform_id == platform_id)
        ).scalar()
        return rows, int(total or 0)

    def history(self, platform_id: int, report_id: str) -> list[ReportVersion]:
        return report_repository.report_history(self.session.connection(), platform_id, report_id)

    def errors(self, version_id: int) -> list[ValidationIssue]:
        return report_repository.report_errors(self.session.connection(), version_id)

    def quarantined(self, version_id: int) -> list[QuarantineEntry]:
        return list_quarantine(
            self.session.connection(), status=None, report_version_id=version_id, limit=10_000
        )
