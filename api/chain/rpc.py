"""JSON-RPC over a keep-alive HTTP connection per thread, beside web3's provider stack.

web3's `ContractFunction.call()` encodes through its normalizer pass, sends through `requests`
(which reads the proxy environment on every request) and formats the answer through its
middleware layers; with web3's default middlewares it also asked `eth_chainId` twice per call
(chain_client.rpc.connect now leaves those out). A claimable read's rebuild made 14 such calls.
`KeepAliveRpc` sends the same `eth_call` as one request (or several as one JSON-RPC batch) on a
connection the thread keeps open. Measured on the bench machine under load (load average ~10, so
every figure inflated): one web3 provider request 3-11 ms, the same over this connection 0.5-2 ms,
14 calls as one batch 1.2-3 ms. The gateway still encodes and decodes as web3 does
(api.chain.gateway), and anything but a plain result goes back through web3, which reports it as
it always has.
"""

from __future__ import annotations

import http.client
import json
import threading
from typing import Any
from urllib.parse import urlsplit


class RpcTransportError(Exception):
    """The node did not answer with a JSON-RPC body (connection refused, HTTP error, bad JSON)."""


class KeepAliveRpc:
    """One `http.client` connection per calling thread to a plain http(s):// JSON-RPC endpoint."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or parts.hostname is None or parts.username:
            raise ValueError(f"rpc url: {url!r} is not a plain http(s):// URL")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port
        self._path = parts.path or "/"
        if parts.query:
            self._path += "?" + parts.query
        self._timeout = timeout
        self._local = threading.local()

    def request(self, method: str, params: list[Any]) -> dict[str, Any]:
        """The response object of one call: it holds `result` or `error`."""
        answer = self._post({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        if not isinstance(answer, dict):
            raise RpcTransportError(f"{method}: unexpected answer {str(answer)[:200]}")
        return answer

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """The response objects of several calls sent as one JSON-RPC batch, in call order."""
        if not calls:
            return []
        payload = [
            {"jsonrpc": "2.0", "id": n, "method": method, "params": params}
            for n, (method, params) in enumerate(calls)
        ]
        answer = self._post(payload)
        if not isinstance(answer, list):
            raise RpcTransportError(f"batch of {len(calls)}: unexpected answer {str(answer)[:200]}")
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        missing = {"error": {"code": -32603, "message": "no answer in the batch"}}
        return [by_id.get(n, missing) for n in range(len(calls))]

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self._timeout)
            self._local.connection = connection
        return connection

    def _close(self) -> None:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _post(self, payload: object) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        for attempt in (1, 2):  # a kept-alive connection the node closed meanwhile: once more
            try:
                connection = self._connection()
                connection.request("POST", self._path, body, headers)
                response = connection.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self._close()
                if attempt == 2:
                    raise RpcTransportError(f"{self.url}: {exc}") from exc
                continue
            if response.status != 200:
                self._close()
                raise RpcTransportError(f"{self.url}: HTTP {response.status}")
            try:
                return json.loads(data)
            except ValueError as exc:
                raise RpcTransportError(f"{self.url}: answer is not JSON") from exc
        raise AssertionError("unreachable")
