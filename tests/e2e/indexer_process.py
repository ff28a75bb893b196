"""The API's event indexer as its own process (settings from ROYALTIES_API_* like the API):
syncs to the chain head every ROYALTIES_E2E_INDEX_INTERVAL seconds until SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.indexer.runner import Indexer
from api.settings import ApiSettings


def main() -> None:
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    settings = ApiSettings()
    interval = float(os.environ.get("ROYALTIES_E2E_INDEX_INTERVAL", "0.5"))
    engine = make_engine(settings.database_url)
    indexer = Indexer(engine, ChainGateway(settings))
    try:
        while not stop.is_set():
            try:
                indexer.sync_to_head()
            except Exception as exc:  # noqa: BLE001 - printed and retried at the next tick
                sys.stderr.write(f"indexer: sync failed, retrying: {exc}\n")
                sys.stderr.flush()
            stop.wait(interval)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
