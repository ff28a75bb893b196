"""How the API is served: one place for the uvicorn options `up` and the bench both use.

- uvloop and httptools (C event loop and HTTP parser) when installed, as they are with this
  project's dependencies; uvicorn's pure-Python asyncio loop and h11 parser cost several times
  more CPU per request.
- No per-request access log unless ``ROYALTIES_API_ACCESS_LOG=1``: a log line per request,
  formatted and written to a terminal, cost more than serving a cached read.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

ACCESS_LOG_ENV = "ROYALTIES_API_ACCESS_LOG"


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def access_log_enabled(environ: dict[str, str] | None = None) -> bool:
    value = (environ if environ is not None else os.environ).get(ACCESS_LOG_ENV, "")
    return value.strip().lower() in ("1", "true", "yes", "on")


def uvicorn_options(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run` / `uvicorn.Config` (besides app, host and port)."""
    return {
        "loop": "uvloop" if _available("uvloop") else "asyncio",
        "http": "httptools" if _available("httptools") else "h11",
        "access_log": access_log_enabled(environ),
        "log_level": "info",
        "server_header": False,
    }


def uvicorn_cli_args(environ: dict[str, str] | None = None) -> list[str]:
    """The same options as `python -m uvicorn` arguments (for a server in a subprocess)."""
    options = uvicorn_options(environ)
    args = ["--loop", options["loop"], "--http", options["http"], "--no-server-header"]
    args.append("--access-log" if options["access_log"] else "--no-access-log")
    return args
