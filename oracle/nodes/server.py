"""The node process: its peer HTTP interface and its loop (`royalties oracle node`).

HTTP interface (JSON; loopback by default, put TLS and an allow-list in front across hosts):
  GET  /v1/node                 who this node is, its last signed epoch, lag and health
  GET  /v1/reports              raw hashes of the report versions it accepted
  GET  /v1/reports/<hash>       one report's bytes and signed metadata
  POST /v1/reports              a report handed to this node (its own intake verifies it)
  GET  /v1/statements[/<hash>]  operator statements it holds
  POST /v1/statements           an operator statement (verified against operator_addresses)
  GET  /v1/epochs/<n>           the cuts it computed for epoch n (for peers catching up)
  POST /v1/rounds/<n>/sign      a leader's proposal: recompute, sign only an equal report
  POST /v1/catch-up             reconcile with the chain now
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any

from eth_account import Account

from chain_client.errors import ChainClientError
from chain_client.rpc import connect
from oracle.epoch.chain_view import SettlementView
from oracle.epoch.crash import CRASH_POINTS
from oracle.epoch.errors import NotEnoughSignatures
from oracle.epoch.wiring import settlement_address
from oracle.errors import OracleError
from oracle.nodes.config import NodeSettings
from oracle.nodes.cut import CutBook, CutNode
from oracle.nodes.leader import Leader
from oracle.nodes.relay import Relay
from oracle.nodes.replication import RawReport, ReplicationError, held_hashes, load_raw
from oracle.nodes.rounds import NodeCore, SignRefused
from oracle.nodes.statements import SignedStatement, StatementError
from oracle.store import epoch_repository as repo
from oracle.store.engine import create_store_engine
from oracle.store.migrate import upgrade

log = logging.getLogger("oracle.nodes.server")

TEST_HOOKS_ENV = "ROYALTIES_NODE_TEST_HOOKS"
"""=1 enables POST /v1/test/crash-at (fault tests only; never set it in production)."""


def build_core(settings: NodeSettings) -> NodeCore:
    oracle = settings.oracle_settings()
    address = settlement_address(oracle)
    w3 = connect(settings.rpc_url, timeout=10)
    view = SettlementView(w3, address)
    upgrade(settings.database_url)
    engine = create_store_engine(settings.database_url)
    # An observer computes and confirms but never signs: it holds a throwaway key.
    key = settings.key or Account.create().key.hex()
    node = CutNode(
        settings.name,
        key,
        engine,
        view,
        chain_id=settings.chain_id,
        cuts=CutBook(settings.data_dir),
    )
    return NodeCore(settings, node, view)


def node_status(core: NodeCore) -> dict[str, Any]:
    settings = core.settings
    health = core.health
    chain_last, signers, threshold = core.chain_snapshot()
    with core.engine.connect() as conn:
        last_closed = repo.last_closed_epoch(conn)
        pending = repo.pending_report_count(conn)
    last_signed = core.node.last_signed
    lag = None if chain_last is None else max(0, chain_last - last_closed)
    stale = time.time() - health.last_tick_at > max(10.0, 5 * settings.tick_seconds)
    state = "ok"
    if stale:
        state = "stalled"
    elif lag:
        state = "lagging"
    return {
        "name": settings.name,
        "address": core.address,
        "observer": settings.observer,
        "signer": core.address in signers if core.address else False,
        "chain_id": settings.chain_id,
        "settlement": core.view.address,
        "chain_last_epoch": chain_last,
        "last_confirmed_epoch": last_closed,
        "last_signed_epoch": last_signed[0] if last_signed else None,
        "last_signed_at": int(last_signed[1]) if last_signed else None,
        "lag": lag,
        "health": state,
        "threshold": threshold,
        "signers": signers,
        "reports": len(held_hashes(core.engine)),
        "pending_reports": pending,
        "statements": len(core.statements.hashes()),
        "started_at": int(health.started_at),
        "last_tick_at": int(health.last_tick_at),
        "last_error": health.last_error,
        "disagreements": health.disagreements,
        "refused_reports": health.refused_reports,
    }


_EPOCH = re.compile(r"^/v1/epochs/(\d+)$")
_SIGN = re.compile(r"^/v1/rounds/(\d+)/sign$")
_REPORT = re.compile(r"^/v1/reports/(0x[0-9a-f]{64})$")
_STATEMENT = re.compile(r"^/v1/statements/(0x[0-9a-f]{64})$")


def make_handler(
    core: NodeCore, wake: threading.Event, leader: Leader | None
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            log.debug("%s " + format, self.address_string(), *args)

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                log.info("%s gave up before the answer", self.address_string())

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            path = self.path.split("?")[0]
            try:
                if path in ("/v1/node", "/healthz"):
                    self._send(200, node_status(core))
                elif path == "/v1/reports":
                    self._send(200, {"hashes": held_hashes(core.engine)})
                elif match := _REPORT.match(path):
                    found = load_raw(core.oracle, core.engine, match.group(1))
                    if found is None:
                        self._send(404, {"error": f"no accepted report {match.group(1)}"})
                    else:
                        self._send(200, found.as_json())
                elif path == "/v1/statements":
                    self._send(200, {"hashes": core.statements.hashes()})
                elif match := _STATEMENT.match(path):
                    statement = core.statements.get(match.group(1))
                    if statement is None:
                        self._send(404, {"error": f"no statement {match.group(1)}"})
                    else:
                        self._send(200, statement.as_json())
                elif match := _EPOCH.match(path):
                    self._send(200, {"cuts": core.node.cuts.of_epoch(int(match.group(1)))})
                else:
                    self._send(404, {"error": f"no route {path}"})
            except Exception as exc:  # noqa: BLE001 - a peer gets the reason, the node lives on
                log.exception("GET %s failed", path)
                self._send(500, {"error": str(exc)})

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            path = self.path.split("?")[0]
            try:
                body = self._body()
                if path == "/v1/reports":
                    result = core.receive_report(RawReport.from_json(body))
                    code = {"rejected": 422, "deferred": 409}.get(result.status, 200)
                    self._send(
                        code,
                        {
                            "raw_hash": result.raw_hash,
                            "status": result.status,
                            "error": result.detail,
                        },
                    )
                elif path == "/v1/statements":
                    signed = SignedStatement.from_json(body)
                    applied = core.receive_statement(signed)
                    self._send(200, {"hash": signed.hash, "applied": applied})
                elif match := _SIGN.match(path):
                    if int(match.group(1)) != int(body.get("proposal", {}).get("epoch", -1)):
                        self._send(400, {"error": "the path's epoch is not the proposal's"})
                        return
                    self._send(200, core.handle_sign(body))
                elif path == "/v1/test/crash-at" and os.environ.get(TEST_HOOKS_ENV) == "1":
                    point = str(body.get("point") or "")
                    if point and point not in CRASH_POINTS:
                        self._send(422, {"error": f"unknown crash point {point!r}"})
                        return
                    if leader is None:
                        self._send(409, {"error": "an observer never leads"})
                        return
                    leader.armed_crash = point or None
                    self._send(200, {"armed": point})
                elif path == "/v1/catch-up":
                    wake.set()
                    self._send(202, {"queued": True})
                else:
                    self._send(404, {"error": f"no route {path}"})
            except SignRefused as exc:
                self._send(409, exc.as_json())
            except (ReplicationError, StatementError, json.JSONDecodeError) as exc:
                self._send(422, {"error": str(exc)})
            except (OracleError, ChainClientError) as exc:
                self._send(409, {"error": str(exc)})
            except Exception as exc:  # noqa: BLE001
                log.exception("POST %s failed", path)
                self._send(500, {"error": str(exc)})

    return Handler


class NodeProcess:
    def __init__(self, settings: NodeSettings) -> None:
        self.settings = settings
        self.core = build_core(settings)
        self.wake = threading.Event()
        self.url = f"http://{settings.host}:{settings.port}"
        self.leader = None if settings.observer else Leader(self.core, self.url)
        self.relay: Relay | None = None
        if settings.relay_operator_key and settings.relay_node_urls:
            self.relay = Relay(
                self.core.engine,
                settings.data_dir,
                settings.relay_operator_key,
                settings.relay_node_urls,
            )
        self.server = ThreadingHTTPServer(
            (settings.host, settings.port), make_handler(self.core, self.wake, self.leader)
        )
        self.server.daemon_threads = True
        self._ticks = 0

    def tick(self) -> None:
        core = self.core
        core.health.last_tick_at = time.time()
        try:
            chain_last, signers, _threshold = core.chain_snapshot(refresh=True)
            if self.relay is not None:
                self.relay.run_once()
            core.sync_epochs(chain_last)
            # The observer's store is the API's, the source of every report and statement: it
            # takes nothing from the nodes (applying their older catalog statements would
            # overwrite the API's catalog and make the relay issue it again).
            if not self.settings.observer and self._ticks % self.settings.sync_every_ticks == 0:
                core.anti_entropy()
            self._ticks += 1
            if self.leader is None:
                return
            # The snapshot of this tick: syncing reads the chain but never moves lastEpoch.
            epoch = (chain_last or 0) + 1
            if self.leader.is_leader(epoch, signers):
                self.leader.run_round(epoch, signers)
            core.health.last_error = ""
        except NotEnoughSignatures as exc:
            core.health.last_error = str(exc)
            log.warning("%s", exc)
        except (OracleError, ChainClientError, OSError) as exc:
            core.health.last_error = str(exc)
            log.error("tick failed: %s", exc)

    def serve(self, stop: threading.Event) -> None:
        thread = threading.Thread(target=self.server.serve_forever, name="node-http", daemon=True)
        thread.start()
        log.info("node %s (%s) listening on %s", self.settings.name, self.core.address, self.url)
        try:
            while not stop.is_set():
                self.tick()
                self.wake.wait(self.settings.tick_seconds)
                self.wake.clear()
        finally:
            self.server.shutdown()
            self.server.server_close()
            self.core.engine.dispose()


def run_node(settings: NodeSettings, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping", signum)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
    NodeProcess(settings).serve(stop)
