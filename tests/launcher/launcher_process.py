"""Runs `royalties up` as a real subprocess for the launcher tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from chain_client.devchain import free_port

BANNER = "AI music royalties is up."
ROYALTIES = str(Path(sys.executable).with_name("royalties"))


def free_port_block(count: int) -> int:
    """A first port of `count` consecutive free loopback ports (the oracle nodes' ports)."""
    import random
    import socket

    for _attempt in range(200):
        base = random.randint(20_000, 60_000)
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no {count} consecutive free ports found")


def launcher_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROYALTIES_")}
    for name in ("RPC_URL", "DATABASE_URL", "ENVIRONMENT", "ADMIN_TOKEN"):
        env.pop(name, None)
    env.update(
        DATA_DIR=str(data_dir),
        ANVIL_PORT=str(free_port()),
        API_PORT=str(free_port()),
        ORACLE_NODE_PORT=str(free_port_block(4)),  # three nodes and the observer
        EPOCH_INTERVAL="2",
        INDEXER_INTERVAL="1",
    )
    return env


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Launcher:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.api_url = f"http://127.0.0.1:{env['API_PORT']}"
        self.process: subprocess.Popen[bytes] | None = None
        self.banners = 0  # "is up" banners printed so far (one per start)

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [ROYALTIES, "up"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout: float = 240.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"launcher exited {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/healthz", timeout=2) as response:
                    banners = self.log().count(BANNER)
                    if response.status == 200 and banners > self.banners:
                        self.banners = banners
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"no /healthz within {timeout}s:\n{self.log()[-5000:]}")

    def get(self, path: str, token: str | None = None) -> Any:
        request = urllib.request.Request(f"{self.api_url}{path}")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    def interrupt(self, timeout: float = 60.0) -> tuple[int, list[int]]:
        """SIGINT like Ctrl-C; returns the exit code and the children it had."""
        assert self.process is not None
        children = children_of(self.process.pid)
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        return code, children

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            for pid in children_of(self.process.pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                except OSError:
                    pass
            self.process.kill()
            self.process.wait()
