"""Serves repeated contributor reads as stored bytes, in front of FastAPI, never stale.

The hot reads (dashboard, claimable, settlement proof) are the same few bytes until the data under
them changes. `ReadCacheMiddleware` keeps each 200 answer per (path, query) with the data version
it was built at, and answers a repeat from memory when the version is unchanged: no routing, no
dependency solving, no database session. Everything else, and every first read, goes to the app.

Freshness is checked on every read, at a cost of microseconds:
- the database: SQLite's `PRAGMA data_version` on one connection of our own that never writes.
  Its value changes whenever any other connection, in any process, commits to the file, so an
  unchanged value proves nothing was committed since the body was stored. Any commit at all
  invalidates (strict; the route's own caches make the rebuild that follows cheap).
- the chain (routes keyed on it, e.g. claimable): the head block number, read by a query that
  starts after the request arrived (`ChainHead`), so a block mined before the request is seen.
  Concurrent requests share one query in flight.

A chain-keyed body is not rebuilt just because a block came: while the app builds it, every
eth_call it makes through the gateway is logged (api.chain.read_log). At a new head with the
database unchanged, those calls are asked again at that block in one JSON-RPC batch; if every
raw answer is the same, the body is what a rebuild would produce and is stored under the new
version (`ReadCacheStats.revalidated`); if any differs, the app rebuilds it. So the rule is the
same as before (a body served at head N reflects the chain at block N or later, and a claim mined
before the request is seen), at one batched eth_call per block instead of a build. A build that
read the chain any other way (through web3: a revert, another RPC method) is not replayable and
is rebuilt at every new head, as before. Chain-keyed routes must read the chain only through
`ChainGateway.call`/`call_many` to benefit, and must not depend on anything but the database
and those reads (no clock).

The caller is authorised before a stored body is sent, with the route's own guard and the same
principal cache the app fills (`api.auth.principal_cache`). A token missing from that cache is
resolved here the way the app resolves it (one indexed read); a token that does not resolve, or
a caller the guard refuses, goes to the app, which refuses it as always.

Not served from memory (passed to the app): non-SQLite or in-memory databases (no cheap version
to check; the routes' own caches still apply), and an app whose database session dependency is
overridden (its reads do not come from data committed through the engine, as in the API tests'
rolled-back transactions).
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth.principal import Principal
from api.auth.principal_cache import PrincipalCache
from api.auth.service import AuthService
from api.auth.tokens import hash_token
from api.chain.read_log import ChainRead, logging_chain_reads
from api.db.session import get_session
from api.errors import ApiError
from api.settings import ApiSettings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Guard = Callable[[str, Principal | None], Awaitable[object]]


async def public(_address: str, principal: Principal | None) -> Principal | None:
    """The guard of a public route: every caller may read it."""
    return principal


DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class CachedRoute:
    """A GET route whose 200 answers depend only on the path, the query and the data version.

    `pattern` matches the path and names the group `address` the guard is called with; `chain`
    adds the chain's head block to the version (routes that read contract state)."""

    name: str
    pattern: re.Pattern[str]
    guard: Guard
    chain: bool = False


@dataclass
class ReadCacheStats:
    """Counters of one app's read cache (app.state.read_cache), for tests and diagnostics."""

    hits: int = 0
    misses: int = 0
    passed: int = 0  # matched a cached route but went to the app (see the module docstring)
    revalidated: int = 0  # a chain-keyed body kept at a new block: its eth_calls answered the same


@dataclass(frozen=True)
class _Entry:
    version: tuple[int, ...]
    headers: list[tuple[bytes, bytes]]
    body: bytes
    reads: tuple[ChainRead, ...] | None = None  # a chain-keyed body's eth_calls (read_log)


class SqliteDataVersion:
    """`PRAGMA data_version` of one private, never-writing connection to the database file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    @classmethod
    def for_engine(cls, engine: Engine) -> SqliteDataVersion | None:
        url = engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        if str(url.database).startswith("file:"):
            return None  # URI databases (shared memory and the like): no file to watch
        return cls(str(url.database))

    def current(self) -> int:
        if self._connection is None:
            self._connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False
            )
        row = self._connection.execute("PRAGMA data_version").fetchone()
        return int(row[0])

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class ChainHead:
    """The chain's head block number, from a JSON-RPC query that starts after each caller asked.

    One query is in flight at a time on one keep-alive connection; callers that arrive while it
    runs share the next one, so the RPC sees at most one request per round trip however many
    reads wait."""

    REQUEST_TIMEOUT_S = 5.0

    def __init__(self, rpc_url: str) -> None:
        parts = urlsplit(rpc_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"rpc_url: {rpc_url!r} is not a plain http:// URL")
        self.host = parts.hostname
        self.port = parts.port or 80
        body = b'{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'
        self._request = (
            f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._next: asyncio.Future[int] | None = None
        self._draining = False

    async def latest(self) -> int:
        future = self._next
        if future is None:
            future = self._next = asyncio.get_running_loop().create_future()
            if not self._draining:
                self._draining = True
                asyncio.get_running_loop().create_task(self._drain())
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        try:
            while self._next is not None:
                future, self._next = self._next, None
                try:
                    future.set_result(await self._query_with_retry())
                except Exception as exc:  # noqa: BLE001 - handed to every waiter
                    future.set_exception(exc)
                    future.exception()  # retrieved: the waiters re-raise it
        finally:
            self._draining = False

    async def _query_with_retry(self) -> int:
        try:
            return await asyncio.wait_for(self._query(), self.REQUEST_TIMEOUT_S)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            self._close()
            return await asyncio.wait_for(self._query(), self.REQUEST_TIMEOUT_S)

    async def _query(self) -> int:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        writer.write(self._request)
        head = await reader.readuntil(b"\r\n\r\n")
        if head[9:12] != b"200":
            raise ValueError(f"eth_blockNumber: HTTP {head[9:12].decode(errors='replace')}")
        length = None
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length is None:
            raise ValueError("eth_blockNumber: answer without Content-Length")
        body = await reader.readexactly(length)
        match = re.search(rb'"result"\s*:\s*"0x([0-9a-fA-F]+)"', body)
        if match is None:
            raise ValueError(f"eth_blockNumber: unexpected answer {body[:200]!r}")
        return int(match.group(1), 16)

    def _close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None


def _bearer_token(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token:
                return token
            return None
    return None


class ReadCacheMiddleware:
    """ASGI middleware; `app.state` must hold `engine`, `principal_cache` and `chain`."""

    def __init__(
        self,
        app: AsgiApp,
        routes: Iterable[CachedRoute],
        stats: ReadCacheStats | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.app = app
        self.routes = tuple(routes)
        self.stats = stats if stats is not None else ReadCacheStats()
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self._bytes = 0
        self._data_version: SqliteDataVersion | None = None
        self._data_version_for: Engine | None = None
        self._head: ChainHead | None = None
        self._filling: dict[tuple[str, bytes], tuple[tuple[int, ...], asyncio.Future[None]]] = {}
        self._resolving: dict[str, asyncio.Future[Principal | None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        for route in self.routes:
            match = route.pattern.fullmatch(path)
            if match is not None:
                break
        else:
            await self.app(scope, receive, send)
            return
        version = await self._version(scope, route)
        if version is None:
            self.stats.passed += 1
            await self.app(scope, receive, send)
            return
        key = (path, scope["query_string"])
        entry = self._entries.get(key)
        if (
            entry is not None
            and entry.version == version
            and await self._authorised(scope, route, match["address"])
        ):
            self.stats.hits += 1
            self._entries.move_to_end(key)
            await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
            await send({"type": "http.response.body", "body": entry.body})
            return
        running = self._filling.get(key)
        if running is not None and running[0] == version:
            # Another request is building this very body: wait for it rather than build it
            # again (a burst of cold reads would otherwise run the route once per request).
            await asyncio.shield(running[1])
            entry = self._entries.get(key)
            if (
                entry is not None
                and entry.version == version
                and await self._authorised(scope, route, match["address"])
            ):
                self.stats.hits += 1
                await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
                await send({"type": "http.response.body", "body": entry.body})
                return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._filling[key] = (version, done)
        try:
            if (
                entry is not None
                and await self._revalidated(scope, key, entry, version)
                and await self._authorised(scope, route, match["address"])
            ):
                self.stats.revalidated += 1
                await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
                await send({"type": "http.response.body", "body": entry.body})
                return
            self.stats.misses += 1
            await self._fill(scope, receive, send, key, version, route.chain)
        finally:
            if self._filling.get(key, (None, None))[1] is done:
                del self._filling[key]
            done.set_result(None)

    async def _authorised(self, scope: Scope, route: CachedRoute, address: str) -> bool:
        """The route's own guard, with the principal the app caches for this token.

        A token not in that cache (new, or its entry expired: entries live a few seconds) is
        resolved here, as the app's dependency would resolve it (one indexed read, shared by
        concurrent requests with that token), and cached for both. Without that, each expiry
        sent a read to the app, which rebuilt a stored body (a chain-keyed one costs many
        eth_calls) while every request behind it waited. False when the guard refuses or the
        token does not resolve: the app then answers, with its own error."""
        state = scope["app"].state
        principal_cache: PrincipalCache = state.principal_cache
        token = _bearer_token(scope["headers"])
        principal: Principal | None = None
        if token is not None:
            token_hash = hash_token(token)
            principal = principal_cache.get(token_hash)
            if principal is None:
                principal = await self._resolve(state, token, token_hash)
                if principal is None:
                    return False
        try:
            await route.guard(address, principal)
        except ApiError:
            return False
        return True

    async def _resolve(self, state: Any, token: str, token_hash: str) -> Principal | None:
        """The token's principal (cached for the app too), or None when it does not resolve."""
        running = self._resolving.get(token_hash)
        if running is None:
            running = asyncio.ensure_future(
                run_in_threadpool(_resolve_token, state.engine, state.settings, token)
            )
            self._resolving[token_hash] = running
            running.add_done_callback(lambda _: self._resolving.pop(token_hash, None))
        principal = await asyncio.shield(running)
        if principal is not None:
            state.principal_cache.put(token_hash, principal)
        return principal

    async def _version(self, scope: Scope, route: CachedRoute) -> tuple[int, ...] | None:
        """The data version to serve at, or None when this read must go to the app."""
        app = scope["app"]
        state = app.state
        if _session_overridden(app):
            return None
        probe = self._probe(state.engine)
        if probe is None:
            return None
        version: tuple[int, ...] = (probe.current(),)
        if route.chain:
            head = self._chain_head(state.chain)
            if head is None:
                return None
            try:
                version += (await head.latest(),)
            except (TimeoutError, OSError, ValueError, asyncio.IncompleteReadError):
                return None  # the app reports the unreachable chain its own way
        return version

    async def _revalidated(
        self, scope: Scope, key: tuple[str, bytes], entry: _Entry, version: tuple[int, ...]
    ) -> bool:
        """A chain-keyed body stored at an older block, with the database unchanged, whose every
        logged eth_call answers the same at the new head: stored again under the new version
        (one batched eth_call instead of a rebuild; api.chain.read_log says why that is exact)."""
        if (
            entry.reads is None
            or entry.version == version  # stored at this very version: the caller was refused
            or len(entry.version) != 2
            or len(version) != 2
            or entry.version[0] != version[0]
        ):
            return False
        chain = scope["app"].state.chain
        if not await run_in_threadpool(chain.replay, entry.reads, version[1]):
            return False
        self._store(key, replace(entry, version=version))
        return True

    def _probe(self, engine: Engine) -> SqliteDataVersion | None:
        if self._data_version_for is not engine:
            if self._data_version is not None:
                self._data_version.close()
            self._data_version = SqliteDataVersion.for_engine(engine)
            self._data_version_for = engine
        return self._data_version

    def _chain_head(self, chain: Any) -> ChainHead | None:
        if self._head is None:
            try:
                self._head = ChainHead(str(chain.settings.rpc_url))
            except ValueError:
                return None
        return self._head

    async def _fill(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        key: tuple[str, bytes],
        version: tuple[int, ...],
        chain: bool,
    ) -> None:
        status = 0
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        complete = False

        async def capture(message: Message) -> None:
            nonlocal status, headers, complete
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body" and status == 200:
                chunks.append(bytes(message.get("body", b"")))
                complete = not message.get("more_body", False)
            await send(message)

        with logging_chain_reads() as log:
            await self.app(scope, receive, capture)
        if status == 200 and complete:
            # The body was built from data at least as new as `version` (read before the app
            # ran), so storing it under that version can never serve older data.
            reads = log.replayable() if chain else None
            self._store(key, _Entry(version, headers, b"".join(chunks), reads))

    def _store(self, key: tuple[str, bytes], entry: _Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._entries[key] = entry
        self._bytes += len(entry.body)
        while self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted.body)


def _resolve_token(engine: Engine, settings: ApiSettings, token: str) -> Principal | None:
    """What the app's `optional_principal` dependency resolves the token to; None when it
    refuses the token or cannot read it (the app then answers, with its own message)."""
    with Session(engine) as session:
        try:
            return AuthService(session, settings).resolve(token)
        except (ApiError, SQLAlchemyError):
            return None


def _session_overridden(app: Any) -> bool:
    return get_session in getattr(app, "dependency_overrides", {})
