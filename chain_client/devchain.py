"""A local anvil node for tests and `make up`: start on a free loopback port, wait, stop."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any

from eth_account import Account
from eth_account.hdaccount import key_from_seed, seed_from_mnemonic
from eth_typing import ChecksumAddress

from chain_client.errors import DevChainError

#: anvil's well-known development mnemonic; its keys hold test ETH only and must never hold value.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEFAULT_CHAIN_ID = 31337
#: anvil arguments for a chain that behaves like a live one: transactions are mined at once and
#: an empty block comes every second. The oracle settles a report only once a block is later
#: than its period's start (a rate card applied later can never reprice it), which a chain that
#: mines only on demand never gives an idle system.
LIVE_BLOCKS_ARGS = ("--block-time", "1", "--mixed-mining")
_PR_SET_PDEATHSIG = 1


@lru_cache(maxsize=8)
def dev_private_keys(count: int = 10, mnemonic: str = DEV_MNEMONIC) -> tuple[str, ...]:
    """The first `count` keys of the mnemonic on anvil's path m/44'/60'/0'/0/i (0x hex)."""
    seed = seed_from_mnemonic(mnemonic, "")
    return tuple("0x" + key_from_seed(seed, f"m/44'/60'/0'/0/{i}").hex() for i in range(count))


def find_anvil(project_root: Path | None = None) -> Path:
    """The anvil binary: npm's platform binary, then node_modules/.bin, then PATH."""
    root = project_root or Path(__file__).resolve().parent.parent
    candidates = [
        root / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil",
        root / "node_modules/.bin/anvil",
    ]
    for candidate in candidates:
        if candidate.exists() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    raise DevChainError("anvil not found: run `npm ci` (it installs @foundry-rs/anvil)")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _terminate_with_parent() -> None:
    """Runs in the child before exec: ask the kernel for SIGTERM when the parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


@dataclass
class DevChain:
    """An anvil process. Use as a context manager, or call start() and stop()."""

    port: int | None = None
    host: str = "127.0.0.1"
    chain_id: int = DEFAULT_CHAIN_ID
    accounts_count: int = 10
    block_time: float | None = None
    #: Load the chain from this file at start and dump it on exit (and every state_interval s).
    state_path: Path | None = None
    state_interval: int | None = None
    extra_args: tuple[str, ...] = ()
    startup_timeout: float = 20.0
    #: Linux: SIGTERM anvil when this process dies, so a killed test run leaves no node behind.
    #: (The signal fires when the spawning thread exits: start from a long-lived thread.)
    die_with_parent: bool = True
    project_root: Path | None = None
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log: Any = field(default=None, init=False, repr=False)
    _request_id: int = field(default=0, init=False, repr=False)

    @property
    def rpc_url(self) -> str:
        if self.port is None:
            raise DevChainError("the dev chain has not been started")
        return f"http://{self.host}:{self.port}"

    @property
    def private_keys(self) -> tuple[str, ...]:
        return dev_private_keys(self.accounts_count)

    @property
    def accounts(self) -> tuple[ChecksumAddress, ...]:
        return tuple(Account.from_key(key).address for key in self.private_keys)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> DevChain:
        if self.running:
            return self
        fixed_port = self.port is not None
        attempts = 1 if fixed_port else 3
        for attempt in range(attempts):
            if not fixed_port:
                self.port = free_port(self.host)
            elif not port_is_free(self.host, self.port or 0):
                # Otherwise the readiness probe would be answered by whoever holds the port.
                raise DevChainError(f"port {self.port} on {self.host} is already in use")
            try:
                self._spawn()
                self._wait_until_ready()
                return self
            except DevChainError:
                self._terminate()
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        args = [
            str(find_anvil(self.project_root)),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--accounts",
            str(self.accounts_count),
            "--mnemonic",
            DEV_MNEMONIC,
            "--silent",
        ]
        if self.block_time is not None:
            args += ["--block-time", str(self.block_time)]
        if self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            args += ["--state", str(self.state_path)]
            if self.state_interval is not None:
                args += ["--state-interval", str(self.state_interval)]
        args += list(self.extra_args)
        self._log = tempfile.TemporaryFile()
        try:
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_terminate_with_parent if self.die_with_parent else None,
            )
        except OSError as exc:
            raise DevChainError(f"cannot start anvil: {exc}") from exc

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise DevChainError(f"anvil exited during startup: {self._log_tail()}")
            try:
                answered = int(self.rpc("eth_chainId"), 16) == self.chain_id
                if answered and self._process.poll() is None:
                    return
            except (OSError, DevChainError, ValueError):
                pass
            time.sleep(0.05)
        raise DevChainError(
            f"anvil did not answer on {self.rpc_url} within {self.startup_timeout}s"
        )

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        text: str = self._log.read().decode(errors="replace")
        return text[-2000:]

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (anvil dumps --state on it), then SIGKILL if it does not exit in time."""
        self._terminate(timeout)

    def _terminate(self, timeout: float = 10.0) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            self._signal(process, signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(process, signal.SIGKILL)
                process.wait(timeout)
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    @staticmethod
    def _signal(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> DevChain:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        """A raw JSON-RPC call (no web3 needed)."""
        self._request_id += 1
        body = json.dumps(
            {"jsonrpc": "2.0", "id": self._request_id, "method": method, "params": params or []}
        ).encode()
        request = urllib.request.Request(
            self.rpc_url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                reply = json.loads(response.read())
        except urllib.error.URLError as exc:
            raise DevChainError(f"{method} to {self.rpc_url} failed: {exc}") from exc
        if "error" in reply:
            raise DevChainError(f"{method} failed: {reply['error']}")
        return reply.get("result")

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def increase_time(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", [hex(seconds)])
        self.mine()

    def snapshot(self) -> str:
        snapshot_id: str = self.rpc("evm_snapshot")
        return snapshot_id

    def revert(self, snapshot_id: str) -> None:
        """Go back to a snapshot (anvil consumes the snapshot; take a new one to revert again)."""
        if not self.rpc("evm_revert", [snapshot_id]):
            raise DevChainError(f"unknown snapshot {snapshot_id}")

    def set_balance(self, address: str, wei: int) -> None:
        self.rpc("anvil_setBalance", [address, hex(wei)])
