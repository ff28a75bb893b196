"""Entry point of one child of `up`: `python -m royalties_system.launcher.child api|worker|indexer`.

Its settings arrive as JSON on stdin, so keys never appear in argv or the environment.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from types import FrameType

from api.db.txlock import install_shared_lock
from api.settings import ApiSettings
from oracle.settings import OracleSettings

KINDS = ("api", "worker", "indexer", "observer")


def _stop_event() -> threading.Event:
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop


def run(kind: str, payload: dict[str, object]) -> None:
    logging.basicConfig(
        level=logging.INFO, format=f"%(asctime)s [{kind}] %(name)s %(levelname)s %(message)s"
    )
    # httpx logs every peer poll at INFO; the nodes and the observer poll each other every second.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if kind == "api":
        import uvicorn

        from api.app import create_app
        from api.server import uvicorn_options

        settings = ApiSettings.model_validate(payload["settings"])
        install_shared_lock(settings.database_url)
        app = create_app(settings, run_migrations=False)  # `up` migrated before starting us
        # api.server: uvloop + httptools, no per-request access log unless asked for.
        uvicorn.run(
            app, host=str(payload["host"]), port=int(str(payload["port"])), **uvicorn_options()
        )
    elif kind == "worker":
        from oracle.worker import run_worker

        oracle = OracleSettings.model_validate(payload["settings"])
        install_shared_lock(oracle.database_url)
        run_worker(oracle)
    elif kind == "observer":
        from oracle.nodes.config import NodeSettings
        from oracle.nodes.server import run_node

        node = NodeSettings.model_validate(payload["settings"])
        install_shared_lock(node.database_url)  # the API's store, shared with the API
        run_node(node)
    elif kind == "indexer":
        from royalties_system.launcher.indexer_loop import run_indexer

        settings = ApiSettings.model_validate(payload["settings"])
        install_shared_lock(settings.database_url)
        run_indexer(settings, float(str(payload["interval"])), _stop_event())
    else:
        raise SystemExit(f"unknown child {kind!r}: one of {', '.join(KINDS)}")


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[1] not in KINDS:
        raise SystemExit(f"usage: python -m royalties_system.launcher.child {{{'|'.join(KINDS)}}}")
    payload = json.loads(sys.stdin.read())
    run(argv[1], payload)


if __name__ == "__main__":
    main(sys.argv)
