"""Liveness route."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel

router = APIRouter(tags=["health"])

# Prebuilt once: liveness probes should cost the server as little as any route can.
_OK = b'{"status":"ok"}'


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health, summary="Liveness (public)")
async def healthz() -> Response:
    # async: a sync route would hop to the threadpool for nothing.
    return Response(content=_OK, media_type="application/json")
