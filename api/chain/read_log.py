"""The chain reads one response was built from, so a stored body can be revalidated cheaply.

While a `ChainReadLog` is active (a context variable: it follows the request into the threadpool
thread a sync route runs in), `ChainGateway.call`/`call_many` append every eth_call they answer
(target, calldata, the node's raw result). A read the log cannot replay (anything that went
through web3: another RPC method, a revert, a node that did not answer) marks the log opaque.

A response that is a function of the database and of the eth_calls in its log (which is what a
chain-keyed cached read must be, api.read_cache) is therefore the same at a later block if the
database is unchanged and every logged call answers the same raw bytes there: the build would
make the same calls, in the same order, get the same answers and produce the same body.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from web3.middleware.base import Web3Middleware


@dataclass(frozen=True)
class ChainRead:
    to: str
    data: str
    result: str


@dataclass
class ChainReadLog:
    reads: list[ChainRead] = field(default_factory=list)
    opaque: bool = False

    def replayable(self) -> tuple[ChainRead, ...] | None:
        """The logged calls, or None when some read of the build is not among them."""
        return None if self.opaque else tuple(self.reads)


_current: ContextVar[ChainReadLog | None] = ContextVar("chain_read_log", default=None)


@contextmanager
def logging_chain_reads() -> Iterator[ChainReadLog]:
    """Logs the chain reads made in this context (and the threads it hands work to)."""
    log = ChainReadLog()
    token = _current.set(log)
    try:
        yield log
    finally:
        _current.reset(token)


def record(to: str, data: str, result: str) -> None:
    log = _current.get()
    if log is not None:
        log.reads.append(ChainRead(to, data, result))


def mark_opaque() -> None:
    log = _current.get()
    if log is not None:
        log.opaque = True


class OpaqueReadsMiddleware(Web3Middleware):
    """On the gateway's web3: any request through web3 while a log is active marks it opaque
    (a direct `ContractFunction.call()`, `w3.eth.get_balance`, ...: reads the log cannot replay)."""

    def request_processor(self, method: Any, params: Any) -> Any:
        mark_opaque()
        return method, params
