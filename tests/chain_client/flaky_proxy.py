"""A real HTTP JSON-RPC proxy in front of anvil that fails on purpose, to test retries.

Failures are scripted per RPC method: "503" answers 503 without forwarding; "lost_reply"
forwards the request to anvil (so it takes effect) and then answers 502, like a reply lost
on the way back.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType


class FlakyProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.plan: dict[str, deque[str]] = defaultdict(deque)
        self.calls: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                method = json.loads(body).get("method", "")
                action = proxy._next_action(method)
                if action == "503":
                    self._reply(503, b"busy")
                    return
                request = urllib.request.Request(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    payload = response.read()
                if action == "lost_reply":
                    self._reply(502, b"bad gateway")
                    return
                self._reply(200, payload)

            def _reply(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, method: str, *actions: str) -> None:
        with self._lock:
            self.plan[method].extend(actions)

    def _next_action(self, method: str) -> str:
        with self._lock:
            self.calls[method] += 1
            queue = self.plan[method]
            return queue.popleft() if queue else "forward"

    def __enter__(self) -> FlakyProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
