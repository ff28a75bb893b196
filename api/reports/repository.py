"""Queries of the transparency report: confirmed epochs and the reports each one settled."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session

from oracle.epoch.tables import epoch_reports, epochs
from oracle.store.schema import reports, usage


class TransparencyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def confirmed_epochs(
        self, epoch_from: int, epoch_to: int
    ) -> dict[int, tuple[str, str, str | None]]:
        rows = self.session.connection().execute(
            select(epochs.c.epoch, epochs.c.root, epochs.c.data_hash, epochs.c.tx_hash).where(
                epochs.c.status == "confirmed",
                epochs.c.epoch >= epoch_from,
                epochs.c.epoch <= epoch_to,
            )
        )
        return {int(e): (str(r), str(d), tx) for e, r, d, tx in rows}

    def source_reports(
        self, epoch_numbers: Sequence[int], track_ids: Sequence[int]
    ) -> dict[tuple[int, int, int], list[tuple[int, str, int]]]:
        """(epoch, track, platform) -> [(platform, report id, version id)] settled there."""
        found: dict[tuple[int, int, int], list[tuple[int, str, int]]] = defaultdict(list)
        if not epoch_numbers or not track_ids:
            return found
        rows = self.session.connection().execute(
            select(
                epoch_reports.c.epoch,
                usage.c.track_id,
                reports.c.platform_id,
                reports.c.report_id,
                reports.c.id,
            )
            .join(usage, usage.c.report_version_id == epoch_reports.c.report_version_id)
            .join(reports, reports.c.id == epoch_reports.c.report_version_id)
            .where(
                epoch_reports.c.epoch.in_(list(epoch_numbers)),
                usage.c.track_id.in_(list(track_ids)),
            )
            .distinct()
            .order_by(epoch_reports.c.epoch, reports.c.id)
        )
        for epoch, track_id, platform_id, report_id, version_id in rows:
            found[(int(epoch), int(track_id), int(platform_id))].append(
                (int(platform_id), str(report_id), int(version_id))
            )
        return found
