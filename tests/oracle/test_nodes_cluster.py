"""Independent oracle nodes as real processes on loopback: the harness (it holds no tests).

Each node is `royalties oracle node --stdin` with its own key, SQLite file and data directory;
they talk only over HTTP. Reports and operator statements are handed to the nodes the way the
API's relay does (POST /v1/reports, /v1/statements). Imported by test_nodes_faults.py, whose
tests share one cluster.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import Engine, create_engine, text
from test_epoch_world import (
    CHAIN_RATES,
    PAYERS,
    STABLE,
    EpochWorld,
    UsageLine,
    make_world,
)
from web3 import Web3

from chain_client.deploy import Deployment
from chain_client.sender import TransactionSender
from oracle.catalog import Consent
from oracle.nodes.replication import RawReport, raw_hash_of
from oracle.nodes.statements import platform_statement, sign_statement, track_statement
from oracle.store.records import ReportFormat

ROYALTIES = str(Path(sys.executable).parent / "royalties")
TICK = 0.2
INTERVAL = 1.0
ROUND_TIMEOUT = 8.0
HTTP_TIMEOUT = 4.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(what: str, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class NodeProc:
    name: str
    key: str
    port: int
    data_dir: Path
    settings: dict[str, Any]
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return str(Account.from_key(self.key).address)

    @property
    def database(self) -> Path:
        return self.data_dir / "oracle.db"

    def start(self) -> None:
        log = (self.data_dir / "node.log").open("ab")
        env = {**os.environ, "ROYALTIES_NODE_TEST_HOOKS": "1"}
        self.process = subprocess.Popen(
            [ROYALTIES, "oracle", "node", "--stdin"],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(self.settings).encode())
        self.process.stdin.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def answering(self) -> bool:
        try:
            return httpx.get(f"{self.url}/v1/node", timeout=5.0).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop_signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def status(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/v1/node", timeout=10.0).json())

    def post(self, path: str, body: Any, timeout: float = 90.0) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", json=body, timeout=timeout)

    def engine(self) -> Engine:
        return create_engine(f"sqlite:///{self.database}", connect_args={"timeout": 30})

    def sql(self, statement: str, **params: Any) -> list[Any]:
        engine = self.engine()
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement), params)
                return list(result) if result.returns_rows else []
        finally:
            engine.dispose()


@dataclass
class Cluster:
    world: EpochWorld
    operator: LocalAccount
    nodes: list[NodeProc]
    pushed: list[str] = field(default_factory=list)
    forged: list[str] = field(default_factory=list)

    # ---- chain ----------------------------------------------------------------------

    def last_epoch(self) -> int:
        return self.world.settlement().last_epoch()

    def root_posted_counts(self) -> dict[int, int]:
        events = self.world.settlement().root_posted_events(self.world.deployment.deploy_block)
        counts: dict[int, int] = {}
        for event in events:
            epoch = int(event.args["epoch"])
            counts[epoch] = counts.get(epoch, 0) + 1
        return counts

    def signers(self) -> list[str]:
        return self.world.settlement().signers()

    def node_of(self, address: str) -> NodeProc:
        return next(n for n in self.nodes if n.address == address)

    def leader_now(self, margin: float = 1.5) -> NodeProc:
        """The node leading the next epoch's round now (nodes use the same rule), waiting
        into the next slot when fewer than `margin` seconds of this one are left."""
        epoch = self.last_epoch() + 1
        opened = 0.0
        if epoch > 1:
            events = self.world.settlement().root_posted_events(self.world.deployment.deploy_block)
            block = max(int(e.block_number) for e in events if int(e.args["epoch"]) == epoch - 1)
            opened = int(self.world.w3.eth.get_block(block)["timestamp"]) + INTERVAL
        now = time.time()
        if now < opened:
            time.sleep(opened - now + 0.05)
            now = time.time()
        into = (now - opened) % ROUND_TIMEOUT
        if ROUND_TIMEOUT - into < margin:
            time.sleep(ROUND_TIMEOUT - into + 0.05)
            now = time.time()
        slot = int((now - opened) // ROUND_TIMEOUT)
        return self.node_of(self.signers()[(epoch + slot) % len(self.nodes)])

    # ---- handing things to nodes ---------------------------------------------------

    def push_statement(self, statement: dict[str, Any], to: list[NodeProc] | None = None) -> str:
        signed = sign_statement(self.operator.key.hex(), statement)
        for node in to if to is not None else self.nodes:
            if node.alive():
                response = node.post("/v1/statements", signed.as_json())
                assert response.status_code == 200, response.text
        return signed.hash

    def push_report(
        self, path: Path, platform_id: int, to: list[NodeProc] | None = None
    ) -> tuple[str, list[int]]:
        content = path.read_bytes()
        raw = RawReport(
            raw_hash_of(content), platform_id, ReportFormat.JSON, path.name, "", content
        )
        codes = []
        for node in to if to is not None else self.nodes:
            if node.alive():
                codes.append(node.post("/v1/reports", raw.as_json()).status_code)
        return raw.raw_hash, codes

    def submit(
        self, lines: list[UsageLine], platform_id: int = STABLE, to: list[NodeProc] | None = None
    ) -> str:
        raw_hash, codes = self.push_report(self.world.report(platform_id, lines), platform_id, to)
        assert all(code == 200 for code in codes), codes
        self.pushed.append(raw_hash)
        return raw_hash

    def forged_report(self, lines: list[UsageLine]) -> tuple[Path, str]:
        """A report of platform STABLE signed by a key that is not the platform's (and that
        key's address)."""
        world = self.world
        path = world.report(STABLE, lines)
        world.reports.pop()  # never counted: it is not in the expected arithmetic
        document = json.loads(path.read_text())
        forger = Account.create()
        from chain_client.eip712 import UsageReport, sign_usage_report
        from oracle.intake.json_report import canonical_lines_hash

        report = UsageReport(
            report_id=document["report_id"],
            platform_id=STABLE,
            period_start=document["period_start"],
            period_end=document["period_end"],
            format=int(ReportFormat.JSON),
            content_hash=bytes(HexBytes(canonical_lines_hash(lines))),
        )
        signature = sign_usage_report(
            forger.key,
            report,
            chain_id=world.deployment.chain_id,
            verifying_contract=world.deployment.usage_settlement,
        )
        document["signature"] = "0x" + signature.hex()
        path.write_text(json.dumps(document))
        return path, str(forger.address)

    # ---- waiting and checking ---------------------------------------------------------

    def wait_posted(self, epoch: int, timeout: float = 90.0) -> None:
        wait_until(f"epoch {epoch} posted", lambda: self.last_epoch() >= epoch, timeout)

    def wait_caught_up(self, nodes: list[NodeProc] | None = None, timeout: float = 120.0) -> None:
        target = self.last_epoch()

        def done() -> bool:
            for node in nodes if nodes is not None else self.nodes:
                try:
                    if node.status()["last_confirmed_epoch"] < target:
                        return False
                except httpx.HTTPError:
                    return False
            return True

        wait_until(f"every node confirmed epoch {target}", done, timeout)

    def wait_answering(self, node: NodeProc, timeout: float = 180.0) -> None:
        wait_until(f"{node.name} answering", node.answering, timeout)

    def restart(self, node: NodeProc) -> None:
        node.kill()
        node.start()
        self.wait_answering(node)

    def unsettled(self, node: NodeProc) -> list[str]:
        """Pushed (validly signed) reports this node has not settled in a confirmed epoch."""
        settled = {
            str(h)
            for (h,) in node.sql(
                "SELECT raw_hash FROM oracle_reports WHERE settled_epoch IS NOT NULL"
            )
        }
        return [h for h in self.pushed if h not in settled]

    def settled_micro_units(self, node: NodeProc) -> dict[tuple[int, int, int], int]:
        rows = node.sql(
            "SELECT track_id, platform_id, usage_class, micro_units FROM oracle_settled_totals"
        )
        return {(int(t), int(p), int(c)): int(u) for t, p, c, u in rows}

    def stop_all(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.alive():
                node.stop_signal(signal.SIGCONT)
                node.kill()


def start_cluster(
    w3: Web3,
    deployment: Deployment,
    accounts: list[LocalAccount],
    dev_keys: list[str],
    sender_for: Callable[[LocalAccount], TransactionSender],
    tmp: Path,
) -> Cluster:
    world = make_world(w3, deployment, accounts, dev_keys, sender_for, tmp)
    operator = accounts[0]
    ports = [free_port() for _ in world.oracle_keys]
    names = [f"node-{i + 1}" for i in range(len(ports))]
    nodes: list[NodeProc] = []
    for index, key in enumerate(world.oracle_keys):
        data_dir = tmp / names[index]
        data_dir.mkdir(parents=True, exist_ok=True)
        peers = [
            {
                "name": names[j],
                "url": f"http://127.0.0.1:{ports[j]}",
                "address": str(Account.from_key(other).address),
            }
            for j, other in enumerate(world.oracle_keys)
            if j != index
        ]
        settings = {
            "name": names[index],
            "key": key,
            "database_url": f"sqlite:///{data_dir / 'oracle.db'}",
            "data_dir": str(data_dir),
            "port": ports[index],
            "rpc_url": w3.provider.endpoint_uri,  # type: ignore[attr-defined]
            "chain_id": deployment.chain_id,
            "settlement_address": deployment.usage_settlement,
            "from_block": deployment.deploy_block,
            "peers": peers,
            "operator_addresses": [operator.address],
            "epoch_interval_seconds": INTERVAL,
            "round_timeout_seconds": ROUND_TIMEOUT,
            "tick_seconds": TICK,
            "http_timeout_seconds": HTTP_TIMEOUT,
            "sync_every_ticks": 250,  # rare: reports spread through proposals here
        }
        nodes.append(NodeProc(names[index], key, ports[index], data_dir, settings))
    cluster = Cluster(world, operator, nodes)
    try:
        for node in nodes:
            node.start()
        for node in nodes:
            cluster.wait_answering(node)
    except BaseException:
        cluster.stop_all()
        raise
    for platform_id, payer_index in zip((STABLE, 2), PAYERS, strict=True):
        cluster.push_statement(
            platform_statement(
                platform_id,
                accounts[payer_index].address,
                world.token_of(platform_id),
                [1] * 6,  # the catalog's copy of the rates is never used for amounts
                name=f"platform {platform_id}",
            )
        )
    for track_id, (split, recipients, shares) in world.tracks.items():
        cluster.push_statement(
            track_statement(
                track_id,
                6,
                split_address=split,
                consents={4: Consent(granted_at=1), 5: Consent(granted_at=1)},
                recipients=recipients,
                shares=shares,
            )
        )
    assert CHAIN_RATES  # the chain's rate cards, registered by make_world, price the usage
    return cluster


@pytest.fixture(scope="module")
def cluster(
    w3: Web3,
    deploy_fresh: Callable[..., Deployment],
    accounts: list[LocalAccount],
    dev_keys: list[str],
    sender_for: Callable[[LocalAccount], TransactionSender],
) -> Iterator[Cluster]:
    # Not tmp_path_factory: pytest prunes old base temp directories of other sessions on the
    # same machine, which would delete a running node's store.
    tmp = Path(tempfile.mkdtemp(prefix="oracle-nodes-"))
    made = start_cluster(w3, deploy_fresh(), accounts, dev_keys, sender_for, tmp)
    try:
        made.world.deposit(STABLE, 10**15)
        made.world.deposit(2, 10**20)
        yield made
    finally:
        made.stop_all()
        if not os.environ.get("ROYALTIES_KEEP_NODE_DIRS"):
            shutil.rmtree(tmp, ignore_errors=True)
