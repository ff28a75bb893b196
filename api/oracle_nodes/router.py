"""`GET /v1/oracle/nodes`: each node's last signed epoch, lag behind the chain and health.

The API asks every node in `oracle_node_urls` for its `GET /v1/node`; a node that does not
answer (stopped, or SIGSTOPped) is `down`, one more than an epoch behind the chain `lagging`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from oracle.nodes.status import read_nodes

router = APIRouter(tags=["oracle"])


class NodeStatus(BaseModel):
    url: str
    name: str | None = None
    address: str | None = None
    observer: bool = False
    health: str
    """ok | lagging | stalled | down"""
    chain_last_epoch: int | None = None
    last_confirmed_epoch: int | None = None
    last_signed_epoch: int | None = None
    last_signed_at: int | None = None
    lag: int | None = None
    last_error: str = ""
    error: str = ""
    disagreements: list[str] = []


class NodesOut(BaseModel):
    nodes: list[NodeStatus]
    healthy: int
    threshold: int | None


@router.get("/v1/oracle/nodes", response_model=NodesOut, summary="Oracle nodes' status (public)")
async def oracle_nodes(request: Request) -> NodesOut:
    urls: list[str] = list(request.app.state.settings.oracle_node_urls)
    statuses: list[dict[str, Any]] = await run_in_threadpool(read_nodes, urls, 2.0)
    nodes = [NodeStatus.model_validate(s) for s in statuses]
    thresholds = {int(s["threshold"]) for s in statuses if s.get("threshold") is not None}
    return NodesOut(
        nodes=nodes,
        healthy=sum(1 for n in nodes if n.health == "ok"),
        threshold=max(thresholds) if thresholds else None,
    )
