"""`royalties up`: chain, contracts, migrations, then the API, the oracle (three node processes
and the API's observer; ORACLE_NODES=false: one worker) and the indexer as supervised child
processes until SIGINT/SIGTERM; then children first, anvil (state dump) last."""

from __future__ import annotations

import logging
import signal
import threading
import time
import urllib.error
import urllib.request
from types import FrameType

from sqlalchemy.engine import make_url

from api.app import migrate_all
from api.db.engine import make_engine
from chain_client.deploy import Deployment
from royalties_system.launcher.banner import banner
from royalties_system.launcher.chain import (
    ChainHandle,
    deploy,
    listening,
    match_signers,
    start_chain,
)
from royalties_system.launcher.compat import refuse_old_data_files, refuse_old_deployment
from royalties_system.launcher.keys import resolve_keys
from royalties_system.launcher.nodes import node_children, node_urls
from royalties_system.launcher.settings import LauncherSettings, LauncherSettingsError
from royalties_system.launcher.supervisor import Child, Supervisor
from royalties_system.launcher.wiring import api_settings, oracle_settings

log = logging.getLogger("royalties.up")


def _recorded(settings: LauncherSettings) -> Deployment | None:
    try:
        return Deployment.load(settings.deployment_file)
    except Exception:  # noqa: BLE001 - no usable record: a deployment follows
        return None


def wait_for_health(url: str, stop: threading.Event, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        stop.wait(0.25)
    return False


def build_children(
    settings: LauncherSettings, handle: ChainHandle, deployment: Deployment
) -> list[Child]:
    keys = match_signers(
        handle, deployment, resolve_keys(settings, handle.rpc_url), keep_all=settings.oracle_nodes
    )
    api = api_settings(settings, keys, handle.rpc_url, handle.chain_id)
    oracle = oracle_settings(settings, keys, handle.rpc_url, deployment)
    if settings.oracle_nodes:
        count = len(keys.oracle_nodes)
        api = api.model_copy(update={"oracle_node_urls": node_urls(settings, count)})
        oracle_children = node_children(
            settings, keys, handle.rpc_url, deployment, oracle.confirmations
        )
    else:
        oracle_children = [Child("worker", _json({"settings": oracle.model_dump(mode="json")}))]
    api_json = api.model_dump(mode="json")
    return [
        Child(
            "api",
            _json({"settings": api_json, "host": settings.api_host, "port": settings.api_port}),
        ),
        *oracle_children,
        Child("indexer", _json({"settings": api_json, "interval": settings.indexer_interval})),
    ]


def _json(value: object) -> str:
    import json

    return json.dumps(value)


def run_up(settings: LauncherSettings) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    settings.data_path.mkdir(parents=True, exist_ok=True)
    # Keys and the API port first: a refused configuration starts nothing.
    resolve_keys(settings, settings.rpc_url or f"http://127.0.0.1:{settings.anvil_port}")
    if listening(settings.api_host, settings.api_port):
        raise LauncherSettingsError(
            f"API_PORT: {settings.api_host}:{settings.api_port} is already in use "
            "(another `royalties up`?); set API_PORT to a free port"
        )
    refuse_old_data_files(settings)  # a DATA_DIR of the per-track era: nothing starts
    handle = start_chain(settings)
    supervisor: Supervisor | None = None
    try:
        keys = resolve_keys(settings, handle.rpc_url)
        refuse_old_deployment(settings, handle.w3)
        before = _recorded(settings)
        log.info(
            "chain %s (id %s); deploying or reusing contracts", handle.rpc_url, handle.chain_id
        )
        deployment = deploy(settings, handle, keys)
        reused = before == deployment
        log.info("migrating %s", make_url(settings.resolved_database_url).render_as_string())
        engine = make_engine(settings.resolved_database_url)
        try:
            migrate_all(engine)
        finally:
            engine.dispose()
        supervisor = Supervisor(build_children(settings, handle, deployment))
        supervisor.start_all()
        if not wait_for_health(settings.api_url, stop):
            if stop.is_set():
                return 0
            log.error("the API did not answer %s/healthz in time", settings.api_url)
            return 1
        keys = match_signers(handle, deployment, keys, keep_all=settings.oracle_nodes)
        print(banner(settings, keys, deployment, handle.rpc_url, reused), flush=True)  # noqa: T201
        while not stop.wait(1.0):
            supervisor.check()
            if handle.devchain is not None and not handle.devchain.running:
                log.error("anvil exited unexpectedly; stopping")
                return 1
        return 0
    finally:
        if supervisor is not None:
            supervisor.stop_all()
        handle.stop()
        log.info("stopped; chain state in %s", settings.anvil_state_file)
