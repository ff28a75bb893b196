"""The whole system as real processes, for the end-to-end and browser tests.

anvil (chain_client.devchain starts the binary), contracts compiled from source and deployed,
the API under the uvicorn command line (`api.asgi:create_app_from_env`, configured by
environment), and the oracle epoch worker and the event indexer as `make up` runs them
(`python -m royalties_system.launcher.child worker|indexer`, settings as JSON on stdin); each a
subprocess, the API on a free loopback port, all on one SQLite file and data directory. Each
process takes the cross-process SQLite transaction lock (api.db.txlock) that the factory and the
children install. `running_system()` always stops every process it started.

Account roles (anvil's dev keys by index): 0 deployer, owner and API operator; 1 oracle signer
(threshold 1) and epoch poster; 4 guardian; 5 minter; 19 claim relayer; the rest are free.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_typing import ChecksumAddress
from web3 import Web3

from chain_client.deploy import Deployment, deploy_all
from chain_client.devchain import LIVE_BLOCKS_ARGS, DevChain, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ADMIN_TOKEN = "e2e-admin-token-not-a-secret"
OPERATOR, ORACLE_NODE, GUARDIAN, MINTER, RELAYER = 0, 1, 4, 5, 19
START_TIMEOUT = 180.0  # generous: CI machines are often loaded; only a failure waits this long


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies, so nothing is orphaned."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Service:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise RuntimeError(f"{self.name} exited with {code}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@dataclass
class LiveSystem:
    rpc_url: str
    chain_id: int
    api_url: str
    keys: list[str]
    deployment: Deployment
    w3: Web3
    api: Service
    worker: Service
    indexer: Service
    work_dir: Path

    def address(self, index: int) -> ChecksumAddress:
        address: ChecksumAddress = Account.from_key(self.keys[index]).address
        return address

    def check_alive(self) -> None:
        self.api.check_alive()
        self.worker.check_alive()
        self.indexer.check_alive()


def _spawn(
    name: str,
    argv: list[str],
    work_dir: Path,
    *,
    env: dict[str, str] | None = None,
    stdin_json: dict[str, Any] | None = None,
) -> Service:
    log_path = work_dir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            argv,
            cwd=PROJECT_ROOT,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if stdin_json is not None else subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets the death signal
        )
    if stdin_json is not None:
        assert process.stdin is not None
        process.stdin.write(json.dumps(stdin_json).encode())
        process.stdin.close()
    return Service(name, process, log_path)


def _wait_healthy(service: Service, url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        service.check_alive()
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"{service.name} did not answer {url} in {START_TIMEOUT} s:\n{service.log_tail()}"
    )


def api_environment(work_dir: Path, chain: DevChain, port: int, keys: list[str]) -> dict[str, str]:
    host = f"127.0.0.1:{port}"
    return {
        "ROYALTIES_API_ENVIRONMENT": "test",
        "ROYALTIES_API_DATABASE_URL": f"sqlite:///{work_dir / 'royalties.db'}",
        "ROYALTIES_API_DATA_DIR": str(work_dir / "data"),
        "ROYALTIES_API_RPC_URL": chain.rpc_url,
        "ROYALTIES_API_CHAIN_ID": str(chain.chain_id),
        "ROYALTIES_API_DEPLOYMENT_FILE": str(work_dir / "deployment.json"),
        "ROYALTIES_API_ADMIN_TOKEN": ADMIN_TOKEN,
        "ROYALTIES_API_SIWE_DOMAIN": host,
        "ROYALTIES_API_SIWE_URI": f"http://{host}",
        "ROYALTIES_API_OPERATOR_KEY": keys[OPERATOR],
        "ROYALTIES_API_MINTER_KEY": keys[MINTER],
        "ROYALTIES_API_RELAYER_KEY": keys[RELAYER],
        "ROYALTIES_API_CONFIRMATIONS": "0",
    }


def oracle_settings(work_dir: Path, chain: DevChain, keys: list[str]) -> dict[str, Any]:
    """The worker's settings, as `up` hands them to its worker child (JSON on stdin)."""
    return {
        "database_url": f"sqlite:///{work_dir / 'royalties.db'}",
        "data_dir": str(work_dir / "data"),
        "rpc_url": chain.rpc_url,
        "chain_id": chain.chain_id,
        "deployment_file": str(work_dir / "deployment.json"),
        "node_key": keys[ORACLE_NODE],
        "confirmations": 0,
        "epoch_interval_seconds": 1,
    }


def api_settings(environment: dict[str, str]) -> dict[str, Any]:
    """The API's environment as the settings dict `up` hands to its indexer child."""
    prefix = "ROYALTIES_API_"
    return {k.removeprefix(prefix).lower(): v for k, v in environment.items()}


@contextmanager
def running_system(work_dir: Path) -> Iterator[LiveSystem]:
    """anvil, a fresh deployment, the API and the epoch worker; all stopped on exit."""
    with ExitStack() as stack:
        chain = stack.enter_context(DevChain(accounts_count=20, extra_args=LIVE_BLOCKS_ARGS))
        keys = list(chain.private_keys)
        w3 = Web3(Web3.HTTPProvider(chain.rpc_url, request_kwargs={"timeout": 30}))
        deployer = Account.from_key(keys[OPERATOR])
        deployment = deploy_all(
            w3,
            deployer,
            guardian=Account.from_key(keys[GUARDIAN]).address,
            oracle_signers=[Account.from_key(keys[ORACLE_NODE]).address],
            threshold=1,
            root_delay=0,
            minter=Account.from_key(keys[MINTER]).address,
        )
        deployment.save(work_dir / "deployment.json")
        port = free_port()
        environment = api_environment(work_dir, chain, port, keys)
        api = _spawn(
            "api",
            [
                str(VENV_BIN / "python"),
                "-m",
                "uvicorn",
                "--factory",
                "api.asgi:create_app_from_env",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            work_dir,
            env=environment,
        )
        stack.callback(api.stop)
        api_url = f"http://127.0.0.1:{port}"
        _wait_healthy(api, f"{api_url}/healthz")  # migrations ran at startup
        # The API compiles the contracts for their ABIs on first use (cached by source hash);
        # do it now, with room for a cold compile on a busy machine, not in a journey's request.
        warm = httpx.get(
            f"{api_url}/dashboard/data/tokens/{deployment.mock_stablecoin}", timeout=300
        )
        assert warm.status_code == 200, warm.text
        # The worker and the indexer run as `make up` runs them: its child entry point.
        child = [str(VENV_BIN / "python"), "-m", "royalties_system.launcher.child"]
        worker = _spawn(
            "worker",
            [*child, "worker"],
            work_dir,
            stdin_json={"settings": oracle_settings(work_dir, chain, keys)},
        )
        stack.callback(worker.stop)
        indexer = _spawn(
            "indexer",
            [*child, "indexer"],
            work_dir,
            stdin_json={"settings": api_settings(environment), "interval": 0.5},
        )
        stack.callback(indexer.stop)
        yield LiveSystem(
            chain.rpc_url,
            chain.chain_id,
            api_url,
            keys,
            deployment,
            w3,
            api,
            worker,
            indexer,
            work_dir,
        )


def describe(system: LiveSystem) -> dict[str, Any]:
    """What to print when a journey fails: where things ran and the logs' tails."""
    return {
        "api": system.api_url,
        "rpc": system.rpc_url,
        "api_log": system.api.log_tail(),
        "worker_log": system.worker.log_tail(),
        "indexer_log": system.indexer.log_tail(),
    }


class StopWhenLeaving:
    """One system at a time for a folder's tests, stopped as soon as the run leaves the folder
    (the rest of the suite should not share 2 cores with an idle chain, worker and indexer).

    Under `pytest -n 2 --dist loadfile` a worker may run one of the folder's files, then files
    elsewhere, then another of the folder's files: `current` then starts a new system, so no test
    is handed one that was stopped. Tests in one file run together and share one system.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stack: ExitStack | None = None
        self.live: LiveSystem | None = None

    def current(self, tmp_path_factory: Any, name: str) -> LiveSystem:
        if self.live is None:
            stack = ExitStack()
            try:
                self.live = stack.enter_context(running_system(tmp_path_factory.mktemp(name)))
            except BaseException:
                stack.close()
                raise
            self.stack = stack
        return self.live

    def stop(self) -> None:
        stack, self.stack, self.live = self.stack, None, None
        if stack is not None:
            stack.close()

    def after_test(self, next_path: Path | None) -> None:
        if next_path is None or self.folder not in next_path.parents:
            self.stop()
