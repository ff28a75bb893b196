"""Child processes of `up`: started with their settings on stdin (keys never in argv or the
environment), restarted with a back-off when they die, stopped with SIGTERM then SIGKILL."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

log = logging.getLogger("royalties.up")

_PR_SET_PDEATHSIG = 1
MAX_BACKOFF_SECONDS = 30.0


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the launcher dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


@dataclass
class Child:
    name: str
    payload: str  # JSON settings written to the child's stdin
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    next_start: float = 0.0
    started_at: float = field(default=0.0)
    command: list[str] | None = None  # default: `python -m royalties_system.launcher.child NAME`

    @property
    def argv(self) -> list[str]:
        if self.command is not None:
            return list(self.command)
        return [sys.executable, "-m", "royalties_system.launcher.child", self.name]

    def start(self) -> None:
        process = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            start_new_session=True,  # a terminal's Ctrl-C reaches the launcher only
            preexec_fn=_die_with_parent,
        )
        assert process.stdin is not None
        process.stdin.write(self.payload.encode())
        process.stdin.close()
        self.process = process
        self.started_at = time.monotonic()
        log.info("started %s (pid %s)", self.name, process.pid)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class Supervisor:
    def __init__(self, children: list[Child]) -> None:
        self.children = children

    def start_all(self) -> None:
        for child in self.children:
            child.start()

    def check(self) -> None:
        """Restarts any child that exited, with exponential back-off."""
        now = time.monotonic()
        for child in self.children:
            if child.alive() or child.process is None:
                continue
            if child.next_start == 0.0:
                code = child.process.returncode
                if now - child.started_at > 60:
                    child.restarts = 0
                delay = min(MAX_BACKOFF_SECONDS, 2.0 ** min(child.restarts, 5))
                log.warning("%s exited with %s; restarting in %.0fs", child.name, code, delay)
                child.next_start = now + delay
            elif now >= child.next_start:
                child.restarts += 1
                child.next_start = 0.0
                child.start()

    def stop_all(self, timeout: float = 15.0) -> None:
        running = [c for c in self.children if c.alive()]
        for child in running:
            assert child.process is not None
            try:
                os.killpg(child.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.0fs: SIGKILL", child.name, timeout)
                try:
                    os.killpg(child.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                child.process.wait()
            log.info("stopped %s", child.name)
