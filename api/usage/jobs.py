"""Background deciding of large reports: one intake thread per app, so a 700k-line report does
not hold a request (the platform gets 202 and polls the report's status URL)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from fastapi import FastAPI
from sqlalchemy import Engine

from oracle.errors import ReportRejectedError
from oracle.intake.ingest import decide
from oracle.settings import OracleSettings

log = logging.getLogger(__name__)
_guard = threading.Lock()


class IntakeJobs:
    """Decides received report versions in the background, one at a time, in arrival order."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="intake")

    def submit(
        self, settings: OracleSettings, engine: Engine, version_id: int, now: int
    ) -> Future[None]:
        """Decide in the background; the period is checked against `now`, the time of receipt."""
        return self._pool.submit(_decide, settings, engine, version_id, now)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


def _decide(settings: OracleSettings, engine: Engine, version_id: int, now: int) -> None:
    try:
        decide(settings, engine, version_id, now=now)
    except ReportRejectedError as exc:
        log.info("report version %s rejected: %s", version_id, exc)
    except Exception:  # the row keeps 'received'; `royalties oracle recover` finishes it
        log.exception("deciding report version %s failed", version_id)


def intake_jobs(app: FastAPI) -> IntakeJobs:
    """The app's background intake (created on first use)."""
    with _guard:
        jobs = getattr(app.state, "intake_jobs", None)
        if jobs is None:
            jobs = IntakeJobs()
            app.state.intake_jobs = jobs
        return jobs
