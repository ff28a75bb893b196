"""Reading every node's `GET /v1/node`: the cluster view behind `royalties oracle nodes` and
the API's `GET /v1/oracle/nodes`. A node that does not answer is `down`."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

#: A node more than this many epochs behind the chain has stopped signing.
MAX_HEALTHY_LAG = 1


def read_node(http: httpx.Client, url: str) -> dict[str, Any]:
    try:
        response = http.get(url.rstrip("/") + "/v1/node")
        response.raise_for_status()
        status: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return {"url": url, "health": "down", "error": f"no answer: {exc!r}"}
    status["url"] = url
    if status.get("health") == "ok" and (status.get("lag") or 0) > MAX_HEALTHY_LAG:
        status["health"] = "lagging"
    return status


def read_nodes(urls: Iterable[str], timeout: float = 2.0) -> list[dict[str, Any]]:
    listed = list(urls)
    if not listed:
        return []
    # One client for every node of the call (a client per request costs ~20x its CPU; see
    # oracle.nodes.peers.PeerClient); httpx clients are safe to share between threads.
    with (
        httpx.Client(timeout=timeout) as http,
        ThreadPoolExecutor(max_workers=min(8, len(listed))) as pool,
    ):
        return list(pool.map(lambda u: read_node(http, u), listed))


def describe_nodes(statuses: Iterable[dict[str, Any]]) -> list[str]:
    lines = []
    for s in statuses:
        if s.get("health") == "down":
            lines.append(f"  {s['url']:<28} DOWN      {s.get('error', '')}")
            continue
        signed = s.get("last_signed_epoch")
        lines.append(
            f"  {s['url']:<28} {str(s.get('health')).upper():<9} {s.get('name')} "
            f"{s.get('address') or 'observer'}  chain epoch {s.get('chain_last_epoch')}  "
            f"confirmed {s.get('last_confirmed_epoch')}  last signed "
            f"{'-' if signed is None else signed}  lag {s.get('lag')}"
            + (f"  error: {s['last_error']}" if s.get("last_error") else "")
        )
        for text in (s.get("disagreements") or [])[-3:]:
            lines.append(f"      disagreement: {text}")
    return lines
