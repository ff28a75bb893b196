"""A size cap on every request body, enforced before anything reads or parses it.

FastAPI reads and parses a route's JSON body before its authentication dependency runs, so
without a cap anyone could make the API parse a 50 MB document on any POST route. This ASGI
middleware answers 413 when Content-Length is over `max_request_bytes`, and counts the bytes
of a body sent without one (chunked), holding at most the cap in memory before the app runs.

The report upload routes (`/v1/platforms/{id}/reports`, `/csv`, `/dsr`) are left to their own,
larger caps (api.usage.uploads: `max_json_report_bytes`, `max_upload_bytes`), which they enforce
on the stream after the API key is checked. The dry-run route (`/reports/inspect`, files parsed
by FastAPI's form reader) is capped here at `max_upload_bytes` plus a multipart allowance. GET
and HEAD requests pass untouched.
"""

from __future__ import annotations

import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.error_handlers import error_body
from api.errors import ApiError, BadRequest
from api.usage.uploads import MULTIPART_ALLOWANCE, too_large

_OWN_CAPS = re.compile(r"/v1/platforms/[^/]+/reports(/csv|/dsr)?/?")
_INSPECT = re.compile(r"/v1/platforms/[^/]+/reports/inspect/?")
_NO_BODY = frozenset({"GET", "HEAD", "OPTIONS"})


class BodyCapMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"] if scope["type"] == "http" else ""
        if scope["type"] != "http" or scope["method"] in _NO_BODY or _OWN_CAPS.fullmatch(path):
            await self.app(scope, receive, send)
            return
        cap, allowance = self.max_bytes, 0
        if _INSPECT.fullmatch(path):
            cap, allowance = self.max_upload_bytes, MULTIPART_ALLOWANCE
        declared = _content_length(scope)
        if declared is not None:
            if declared > cap + allowance:
                await _answer(scope, receive, send, too_large("body", cap))
                return
            await self.app(scope, receive, send)
            return
        # No Content-Length (chunked): read the body here, up to the cap, then replay it.
        messages: list[Message] = []
        seen = 0
        while True:
            try:
                message = await receive()
            except Exception as exc:  # the body could not be read (as FastAPI answers: 400)
                problem = BadRequest(f"body: could not be read ({exc})", {"max_bytes": cap})
                await _answer(scope, receive, send, problem)
                return
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > cap + allowance:
                await _answer(scope, receive, send, too_large("body", cap))
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _answer(scope: Scope, receive: Receive, send: Send, error: ApiError) -> None:
    # The body was not read to its end: close the connection rather than reuse it.
    body = error_body(error.code, error.message, error.details)
    response = JSONResponse(body, error.status_code, headers={"connection": "close"})
    await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) <= 19 else 2**63
    return None
