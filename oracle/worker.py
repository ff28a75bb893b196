"""The epoch worker: runs an epoch every `epoch_interval_seconds` until SIGINT or SIGTERM.

A failed epoch is logged and retried at the next tick; the runner resumes whatever step it
stopped at, so stopping the worker at any moment is safe.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from chain_client.errors import ChainClientError
from oracle.epoch.wiring import build_runner
from oracle.errors import OracleError
from oracle.intake.ingest import recover_pending
from oracle.settings import OracleSettings
from oracle.store.engine import create_store_engine

log = logging.getLogger("oracle.worker")

#: A report 'received' this long ago is no longer being decided by its request: recover it.
RECOVER_AFTER = 600


def run_worker(settings: OracleSettings, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current step", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
    setup = build_runner(settings)
    intake = create_store_engine(settings.database_url)
    try:
        while not stop.is_set():
            try:
                # Reports left 'received' (an API restart mid-way, a crash) are finished here;
                # a row that cannot be decided is marked rejected with its reason.
                recover_pending(settings, intake, min_age_seconds=RECOVER_AFTER)
            except Exception:
                log.exception("recovering received reports failed, retrying next tick")
            try:
                outcome = setup.runner.run_once()
                log.info("epoch %s %s %s", outcome.epoch, outcome.status, outcome.message)
            except (OracleError, ChainClientError) as exc:
                log.error("epoch failed, retrying next tick: %s", exc)
            except Exception:  # one bad row or platform must never stop settlement for good
                log.exception("epoch failed unexpectedly, retrying next tick")
            stop.wait(settings.epoch_interval_seconds)
    finally:
        intake.dispose()
        setup.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker(OracleSettings())


if __name__ == "__main__":
    main()
