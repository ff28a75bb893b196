"""Keeps the API's event index at the chain head (one sync every `interval` seconds) and the
oracle's catalog in step with tier and consent changes
(royalties_system.launcher.catalog_follow)."""

from __future__ import annotations

import logging
import threading

from api.chain.gateway import ChainGateway
from api.db.engine import make_engine
from api.indexer.runner import Indexer
from api.settings import ApiSettings
from royalties_system.launcher.catalog_follow import publish_changed_tracks

log = logging.getLogger("royalties.indexer")


def run_indexer(settings: ApiSettings, interval: float, stop: threading.Event) -> None:
    engine = make_engine(settings.database_url)
    try:
        gateway = ChainGateway(settings)
        indexer = Indexer(engine, gateway)
        cursor = 0
        while not stop.is_set():
            try:
                events = indexer.sync_to_head()
                if events:
                    log.info("indexed %s events", events)
                cursor = publish_changed_tracks(engine, gateway, cursor)
            except Exception as exc:  # noqa: BLE001 - logged and retried at the next tick
                first_line = str(exc).splitlines()[-1] if str(exc) else type(exc).__name__
                log.warning("sync failed, retrying next tick: %s", first_line[:300])
            stop.wait(interval)
    finally:
        engine.dispose()
