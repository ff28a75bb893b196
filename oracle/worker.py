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
from oracle.settings import OracleSettings

log = logging.getLogger("oracle.worker")


def run_worker(settings: OracleSettings, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current step", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
    setup = build_runner(settings)
    try:
        while not stop.is_set():
            try:
                outcome = setup.runner.run_once()
                log.info("epoch %s %s %s", outcome.epoch, outcome.status, outcome.message)
            except (OracleError, ChainClientError) as exc:
                log.error("epoch failed, retrying next tick: %s", exc)
            except Exception:  # one bad row or platform must never stop settlement for good
                log.exception("epoch failed unexpectedly, retrying next tick")
            stop.wait(settings.epoch_interval_seconds)
    finally:
        setup.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker(OracleSettings())


if __name__ == "__main__":
    main()
